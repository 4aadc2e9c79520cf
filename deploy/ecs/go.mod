module github.com/hypha-obs/hypha/deploy/ecs

go 1.26.5

require (
	github.com/awslabs/goformation/v7 v7.14.9
	github.com/hypha-obs/hypha v0.0.0
	gopkg.in/yaml.v3 v3.0.1
)

replace github.com/hypha-obs/hypha => ../..
