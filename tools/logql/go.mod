module github.com/hypha-obs/hypha/tools/logql

go 1.26.5
