module github.com/hypha-obs/hypha/deploy/ecs

go 1.26.5

require (
	github.com/awslabs/goformation/v7 v7.14.9
	github.com/hypha-obs/hypha v0.0.0
	github.com/xeipuuv/gojsonschema v1.2.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/xeipuuv/gojsonpointer v0.0.0-20190905194746-02993c407bfb // indirect
	github.com/xeipuuv/gojsonreference v0.0.0-20180127040603-bd5ef7bd5415 // indirect
)

replace github.com/hypha-obs/hypha => ../..
