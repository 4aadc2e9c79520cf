module github.com/hypha-obs/hypha

go 1.26.0
