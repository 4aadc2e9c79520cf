module github.com/hypha-obs/hypha/deploy/ecs

go 1.26.5

require (
	github.com/awslabs/goformation/v7 v7.14.9
	gopkg.in/yaml.v3 v3.0.1
)
