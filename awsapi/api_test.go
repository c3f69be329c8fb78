package awsapi_test

import (
	"context"

	"drorch/cloud"
	"drorch/internal/awstest"
)

// api is awstest.API under the short name these tests use.
type api = awstest.API

// batch reads ids of one kind through the adapters.
func batch[T any](ctx context.Context, a api, k cloud.KindOf[T], region string, ids ...string) ([]T, error) {
	return awstest.Batch(ctx, a, k, region, ids...)
}
