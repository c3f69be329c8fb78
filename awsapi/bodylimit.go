package awsapi

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MaxResponseBytes bounds by default (Config.MaxResponseBytes) the body
// drorch reads of one AWS answer. The
// largest answers it asks for (a page of 100 DB instances, 100 exports)
// are a few hundred kilobytes; an endpoint sending more is broken or
// hostile, and must not fill drorch's memory (an 800 MB body once pushed
// a plan to 2.1 GB).
const MaxResponseBytes = 32 << 20

// ErrResponseTooLarge is the cause of a call whose answer was cut short at
// its limit (Config.MaxResponseBytes).
var ErrResponseTooLarge = errors.New("the answer is larger than drorch's limit: it stopped reading it")

// limitBody returns an API option of every client: the raw answer's body is
// read through a limit of max bytes before any deserializer sees it. It
// sits innermost in the deserialize step, so it wraps the body first on
// the way back.
func limitBody(max int64) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("drorchLimitBody",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
					resp.Body = &limitedBody{r: io.LimitReader(resp.Body, max+1), c: resp.Body, max: max}
				}
				return out, md, err
			}), middleware.After)
	}
}

// limitedBody fails a read past max instead of ending it quietly, so that
// no deserializer takes a cut answer for a whole one.
type limitedBody struct {
	r    io.Reader
	c    io.Closer
	max  int64
	read int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read > b.max {
		return n, fmt.Errorf("%w (%d MiB)", ErrResponseTooLarge, b.max>>20)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.c.Close() }

// plainRequestBody returns an API option of every client: the request's
// body is given to net/http as a reader that does not implement
// io.WriterTo. The SDK closes a request's body as soon as the answer's
// headers arrive (smithy-go's ClientHandler), and net/http may still be
// checking that body for bytes beyond its length: through WriteTo, a
// closed body answers io.EOF as an error, net/http closes the connection,
// and an answer being read fails as "use of closed network connection"
// (an answer drorch would have read whole, or refused as too large).
// Through Read, the same closed body is an ordinary end of body.
//
// It is the last step before the request is sent (the end of the finalize
// step, after the payload's hash and the signature, and once per attempt):
// the hash reads the SDK's own body through WriteTo, without the 32 KiB
// copy buffer io.Copy would allocate for a plain reader (182 MB over a
// 1,000-resource run).
func plainRequestBody(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("drorchPlainRequestBody",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			req, ok := in.Request.(*smithyhttp.Request)
			if !ok {
				return next.HandleFinalize(ctx, in)
			}
			var body io.Reader
			switch s := req.GetStream().(type) {
			case nil:
				return next.HandleFinalize(ctx, in)
			case io.ReadSeeker:
				body = bodyReadSeeker{s}
			default:
				body = bodyReader{s}
			}
			r, err := req.SetStream(body)
			if err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("wrap the request body: %w", err)
			}
			in.Request = r
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// bodyReadSeeker and bodyReader hide every method of a request body but Read
// (and Seek, which the SDK needs to send it again on a retry).
type bodyReadSeeker struct{ io.ReadSeeker }

type bodyReader struct{ io.Reader }
