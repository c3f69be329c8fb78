package awsapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The request body net/http writes is a plain reader (no io.WriterTo: the
// SDK closes it as soon as an answer's headers arrive, and through WriteTo
// a closed body breaks the connection the answer is being read from), and
// a retried read sends the same body again.
func TestRequestBodyIsAPlainReaderSentAgainOnRetry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := len(bodies) == 1
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		if first {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>try again</Message></Error></ErrorResponse>`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>DBClusterNotFoundFault</Code><Message>no such cluster</Message></Error></ErrorResponse>`)
	}))
	t.Cleanup(srv.Close)
	c := newClients(t, srv.URL, func(conf *awsapi.Config) {
		conf.ReadAttempts, conf.BusyReadAttempts = 3, 3
		conf.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			if _, ok := r.Body.(io.WriterTo); ok {
				t.Errorf("attempt %d: the request body %T implements io.WriterTo", len(bodies)+1, r.Body)
			}
			b, err := io.ReadAll(r.Body)
			if err != nil {
				mu.Unlock()
				return nil, err
			}
			bodies = append(bodies, string(b))
			mu.Unlock()
			r.Body = io.NopCloser(strings.NewReader(string(b)))
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	_, err := c.DBCluster(context.Background(), "us-west-2", "dbcluster-02")
	if !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read: %v, want not found after a retry", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[0], "DBClusterIdentifier=dbcluster-02") {
		t.Errorf("the requests sent: %q, want the same DescribeDBClusters twice", bodies)
	}
}
