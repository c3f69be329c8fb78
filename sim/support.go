package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The supporting services drorch reads references and identity from and
// notifies through: CloudFormation exports, SSM parameters, SNS, STS.

// exportsPerPage is ListExports' page size on AWS.
const exportsPerPage = 100

func listExports(c *call, x xw) *apiError {
	after := ""
	if tok := c.p.str("NextToken"); tok != "" {
		var err *apiError
		if after, err = decodeMarker(tok); err != nil {
			return newErr("ValidationError", 400, "Invalid NextToken.")
		}
	}
	exps := c.w.exports[c.region]
	start := 0
	for start < len(exps) && after != "" && exps[start].Name <= after {
		start++
	}
	end := min(start+exportsPerPage, len(exps))
	x.open("Exports")
	for _, e := range exps[start:end] {
		x.open("member")
		x.str("ExportingStackId", e.StackID)
		x.str("Name", e.Name)
		x.str("Value", e.Value)
		x.close("member")
	}
	x.close("Exports")
	if end < len(exps) {
		x.str("NextToken", encodeMarker(exps[end-1].Name))
	}
	return nil
}

func publish(c *call, x xw) *apiError {
	topic := c.p.str("TopicArn")
	if topic == "" {
		topic = c.p.str("TargetArn")
	}
	if topic == "" {
		return newErr("InvalidParameter", 400, "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	msg := c.p.str("Message")
	if msg == "" {
		return newErr("InvalidParameter", 400, "Invalid parameter: Empty message")
	}
	a, ok := parseARN(topic)
	if !ok || a.service != "sns" || a.region != c.region || !c.w.topics[topic] {
		return newErr("NotFound", 404, "Topic does not exist")
	}
	c.w.published++
	m := Message{
		ID:     stableUUID("sns", topic, strconv.Itoa(c.w.published)),
		Region: c.region, TopicARN: topic, Subject: c.p.str("Subject"), Message: msg, Time: c.w.now,
	}
	size := len(msg)
	for _, e := range c.p.items("MessageAttributes", "entry") {
		if m.Attributes == nil {
			m.Attributes = map[string]string{}
		}
		m.Attributes[e.str("Name")] = e.str("Value.StringValue")
		size += len(e.str("Name")) + len(e.str("Value.StringValue")) + len(e.str("Value.DataType"))
	}
	// The message and its attributes together are at most 256 KB
	// (SNS Publish API reference, Message).
	if size > maxMessageBytes {
		c.w.published--
		return newErr("InvalidParameter", 400, "Invalid parameter: Message too long")
	}
	c.w.keepMessage(m)
	x.str("MessageId", m.ID)
	return nil
}

func getCallerIdentity(c *call, x xw) *apiError {
	arn, userID := c.w.iam.caller.identity()
	x.str("UserId", userID)
	x.str("Account", c.w.account)
	x.str("Arn", arn)
	return nil
}

// getParameterInput is SSM GetParameter's request.
type getParameterInput struct {
	Name           *string `json:"Name"`
	WithDecryption *bool   `json:"WithDecryption"`
}

// parameterOutput is SSM's Parameter shape (LastModifiedDate in epoch
// seconds, as JSON 1.1 sends timestamps).
type parameterOutput struct {
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int64   `json:"Version"`
	LastModifiedDate float64 `json:"LastModifiedDate"`
	ARN              string  `json:"ARN"`
	DataType         string  `json:"DataType"`
	Selector         string  `json:"Selector,omitempty"`
}

func getParameter(c *call) (any, *apiError) {
	var in getParameterInput
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if err := dec.Decode(&in); err != nil {
		return nil, newErr("SerializationException", 400, "The request body is not a valid GetParameter request.")
	}
	if in.Name == nil || *in.Name == "" {
		return nil, newErr("ValidationException", 400, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	name, selector := *in.Name, ""
	if a, ok := parseARN(name); ok && a.service == "ssm" && a.kind == "parameter" {
		if a.region != c.region {
			return nil, newErr("ParameterNotFound", 400, "Parameter %s not found.", truncate(name, 256))
		}
		name = a.id
		if !strings.HasPrefix(name, "/") && strings.Contains(name, "/") {
			name = "/" + name
		}
	}
	// name:version and name:label select a version.
	if i := strings.LastIndex(name, ":"); i > 0 {
		name, selector = name[:i], name[i:]
	}
	p := c.w.params[key{c.region, name}]
	if p == nil {
		p = c.w.params[key{c.region, "/" + name}]
	}
	if p == nil {
		return nil, newErr("ParameterNotFound", 400, "Parameter %s not found.", truncate(*in.Name, 256))
	}
	if selector != "" && selector != ":"+strconv.FormatInt(p.Version, 10) {
		return nil, newErr("ParameterVersionNotFound", 400, "Systems Manager could not find version %s of %s.", truncate(selector[1:], 32), p.Name)
	}
	value := p.Value
	if p.Type == "SecureString" && (in.WithDecryption == nil || !*in.WithDecryption) {
		value = encryptedValue(p)
	}
	return map[string]parameterOutput{"Parameter": {
		Name: p.Name, Type: p.Type, Value: value, Version: p.Version, Selector: selector,
		LastModifiedDate: float64(p.LastModified.UnixMilli()) / 1000, DataType: "text",
		ARN: fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", p.Region, c.w.account, strings.TrimPrefix(p.Name, "/")),
	}}, nil
}

// encryptedValue stands in for a SecureString's ciphertext: opaque and
// stable, derived from the parameter's name only, so nothing of the secret
// can be read back from it.
func encryptedValue(p *Parameter) string {
	sum := sha256.Sum256([]byte("drorch-sim-kms\x00" + p.Region + "\x00" + p.Name + "\x00" + strconv.FormatInt(p.Version, 10)))
	return base64.StdEncoding.EncodeToString(append([]byte("AQICAHh"), sum[:]...))
}

// MaxMessages is how many SNS messages the simulator keeps (the newest).
// With maxMessageBytes each, they hold at most 256 MiB; drills publish a
// few per run.
const MaxMessages = 1000

// maxMessageBytes is SNS's largest message, attributes included.
const maxMessageBytes = 256 * 1024

// keepMessage appends m to the message log, dropping the oldest past
// MaxMessages. The log holds up to twice that before it is cut back, so
// that keeping a message costs O(1) on average.
func (w *world) keepMessage(m Message) {
	if len(w.messages) >= 2*MaxMessages {
		w.messages = append(w.messages[:0], w.messages[len(w.messages)-MaxMessages+1:]...)
	}
	w.messages = append(w.messages, m)
}

// keptMessages is the newest MaxMessages of the log.
func (w *world) keptMessages() []Message {
	return w.messages[max(0, len(w.messages)-MaxMessages):]
}
