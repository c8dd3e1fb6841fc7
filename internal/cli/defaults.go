package cli

// Defaults shared by the subcommands; each can be overridden by a flag or
// the environment variable named beside it.
const (
	defaultMySQLDSN  = "root@tcp(127.0.0.1:3306)/edgeflix" // EDGEFLIX_MYSQL_DSN
	defaultRedisAddr = "127.0.0.1:6379"                    // EDGEFLIX_REDIS_ADDR
	defaultBucket    = "edgeflix-media"                    // EDGEFLIX_S3_BUCKET
	defaultOriginURL = "http://127.0.0.1:8080"             // EDGEFLIX_ORIGIN_URL
	defaultEdgeURL   = "http://127.0.0.1:8081"             // EDGEFLIX_EDGE_URL
)
