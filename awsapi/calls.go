package awsapi

import (
	"context"
	"fmt"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"drorch/cloud"
)

// action makes one mutating call from its arguments. It runs a.check()
// before anything reaches AWS, and passes o to the SDK.
type action func(ctx context.Context, region string, a *args, o writeOpts) error

// writeOpts are the options of a mutating SDK call: tried exactly once
// (when its outcome is unknown the engine re-reads state and decides), and
// AWS's request id captured.
type writeOpts struct {
	api []func(*middleware.Stack) error
}

// Calls is drorch's cloud.Executor: it makes the mutating calls the engine
// has journaled, each exactly once. Each service's file adds its actions.
type Calls struct {
	c       *Clients
	actions map[string]action
}

// Calls returns the executor of mutating calls.
func (c *Clients) Calls() *Calls {
	x := &Calls{c: c, actions: map[string]action{}}
	for _, add := range []func(map[string]action){c.rdsActions, c.elasticacheActions} {
		add(x.actions)
	}
	return x
}

// Execute makes call once and returns AWS's request id. A call drorch has no
// adapter for, or whose arguments the action does not take, is refused
// before it reaches AWS.
func (x *Calls) Execute(ctx context.Context, call cloud.Call) (cloud.Result, error) {
	act, ok := x.actions[call.Service+":"+call.Action]
	if !ok {
		return cloud.Result{}, &cloud.APIError{Service: call.Service, Action: call.Action, Region: call.Region, Kind: cloud.KindInvalidInput,
			Message: "drorch has no adapter for this action"}
	}
	var id string
	o := writeOpts{api: []func(*middleware.Stack) error{captureRequestID(&id)}}
	err := x.c.call(ctx, op{call.Service, call.Action, call.Target, call.Region}, func(ctx context.Context) error {
		return act(ctx, call.Region, newArgs(call.Args), o)
	})
	return cloud.Result{RequestID: id}, err
}

// Has reports whether service:action can be executed.
func (x *Calls) Has(service, action string) bool {
	_, ok := x.actions[service+":"+action]
	return ok
}

// ifValid makes the call when the arguments are all taken and well formed.
func ifValid(a *args, call func() error) error {
	if err := a.check(); err != nil {
		return fmt.Errorf("%w (as drorch declared them; nothing was sent)", err)
	}
	return call()
}

// captureRequestID stores the request id of a successful answer in *id.
// It runs outermost, after the SDK's own middleware has read the id.
func captureRequestID(id *string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("drorchRequestID",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if v, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
					*id = v
				}
				return out, md, err
			}), middleware.Before)
	}
}
