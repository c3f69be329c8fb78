package awsapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"drorch/awsapi"
	"drorch/cloud"
)

// A hostile or broken endpoint that answers with an endless body: drorch
// stops reading at its limit and reports it, a read and a write alike, and
// the endpoint never gets to send much more than the limit.
func TestHugeAnswerIsCutShort(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusOK)
		chunk := []byte("<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters>" + strings.Repeat(" ", 1<<16))
		for sent.Load() < 800<<20 { // as the hostile endpoint once did
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
			chunk = chunk[:1<<16]
			copy(chunk, strings.Repeat(" ", 1<<16))
		}
	}))
	t.Cleanup(srv.Close)
	const limit = 1 << 20
	c := newClients(t, srv.URL, func(conf *awsapi.Config) {
		conf.ReadAttempts, conf.BusyReadAttempts, conf.MaxResponseBytes = 1, 1, limit
	})

	_, err := c.DBCluster(context.Background(), "us-west-2", "dbcluster-02")
	if !errors.Is(err, awsapi.ErrResponseTooLarge) || cloud.Retryable(err) {
		t.Fatalf("read: %v, want the answer refused as too large, not retried", err)
	}
	err = c.PromoteReadReplica(context.Background(), "us-west-2", "r")
	if !errors.Is(err, awsapi.ErrResponseTooLarge) {
		t.Fatalf("write: %v, want the answer refused as too large", err)
	}
	if n := sent.Load(); n > 64*limit {
		t.Errorf("the endpoint sent %d MiB before drorch hung up, want about the limit (%d MiB) per call", n>>20, limit>>20)
	}
}
