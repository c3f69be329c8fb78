package awsapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sdkLog are the loader options that send the SDK's log to Config.Log, or
// nowhere.
func sdkLog(conf Config) []func(*config.LoadOptions) error {
	if conf.Log == nil {
		return []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	}
	return []func(*config.LoadOptions) error{config.WithLogger(conf.Log), config.WithClientLogMode(conf.LogMode)}
}

// observeHeaders adds a middleware that hands the headers of every HTTP
// answer, success or error, to fn.
func observeHeaders(fn func(http.Header)) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("drorchObserveHeaders",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
					fn(resp.Header)
				}
				return out, md, err
			}), middleware.After)
	}
}

// DebugLog is a Config.Log that writes the SDK's log lines to w, prefixed
// "aws-sdk", with every credential the SDK's request dump holds
// (Authorization's signature, X-Amz-Security-Token, the presigned
// X-Amz-Signature and -Security-Token) replaced by "(redacted)".
func DebugLog(w io.Writer) logging.Logger { return &debugLog{w: w} }

type debugLog struct {
	mu sync.Mutex
	w  io.Writer
}

// secretInLog matches what must never be written: a session token, a
// signature, in headers and in query strings.
var secretInLog = regexp.MustCompile(`(?i)((?:x-amz-security-token|x-amz-signature)\s*[:=]\s*|signature=)[^\s,&]+`)

func (l *debugLog) Logf(c logging.Classification, format string, v ...any) {
	msg := secretInLog.ReplaceAllString(fmt.Sprintf(format, v...), "${1}(redacted)")
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "aws-sdk %s %s\n", c, msg)
}
