module github.com/hypha-obs/hypha/deploy/ecs

go 1.26.0

require gopkg.in/yaml.v3 v3.0.1
