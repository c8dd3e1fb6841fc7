// Package objstore builds the one aws-sdk-go-v2 S3 client edgeflix uses,
// for AWS S3 in production and for the local S3-compatible store otherwise.
package objstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Config says where media objects live.
type Config struct {
	// Bucket is the bucket holding the media/ namespace. Required.
	Bucket string
	// Region is the AWS region. If empty, "us-east-1" is used.
	Region string
	// Endpoint is an S3-compatible endpoint URL such as the local store's
	// http://127.0.0.1:9000. If empty, AWS S3 is used with the default
	// credential chain.
	Endpoint string
	// AccessKeyID and SecretAccessKey are static credentials, used only
	// together with Endpoint.
	AccessKeyID     string
	SecretAccessKey string
}

// Store is an S3 client bound to one bucket.
type Store struct {
	Client *s3.Client
	Bucket string
}

// New builds a Store from cfg without contacting S3.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("objstore: bucket is required")
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if cfg.Endpoint != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("objstore: load aws config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
			// The local store replays a whole object's stored checksum on
			// ranged GETs, which would fail the SDK's default validation;
			// validate only when a request asks for it.
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &Store{Client: client, Bucket: cfg.Bucket}, nil
}

// EnsureBucket creates the bucket if it does not exist yet.
func (s *Store) EnsureBucket(ctx context.Context) error {
	if _, err := s.Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.Bucket)}); err == nil {
		return nil
	}
	if _, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err != nil {
		return fmt.Errorf("objstore: create bucket %q: %w", s.Bucket, err)
	}
	return nil
}
