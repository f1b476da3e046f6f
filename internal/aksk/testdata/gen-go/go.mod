module github.com/nicconform/nicconform/internal/aksk/testdata/gen-go

go 1.26

require github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.1.224

require (
	go.mongodb.org/mongo-driver v1.13.1 // indirect
	gopkg.in/ini.v1 v1.67.1 // indirect
)
