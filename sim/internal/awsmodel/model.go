// Package awsmodel checks AWS API answers against the service models that
// botocore ships (data/<service>/<version>/service-2.json, plain or
// gzipped): every member, its type and format, enum values, list item and
// map entry element names, flattened lists, required members, and that no
// member outside the model appears. It speaks the Query (XML) and JSON
// (1.0 and 1.1) protocols, for success and error answers alike.
//
// The models are read from the machine's botocore install (see
// BotocoreData); nothing is copied into this repository.
package awsmodel

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Protocol is a wire protocol of a model's answers.
type Protocol string

// The protocols the checker speaks.
const (
	Query Protocol = "query"
	JSON  Protocol = "json"
)

// Model is one service model, resolved enough to check answers.
type Model struct {
	// Service is the model's directory name (rds, ssm, ...).
	Service string
	// Protocol is the model's own protocol (metadata.protocol).
	Protocol Protocol
	// Namespace is the Query answers' XML namespace (metadata.xmlNamespace).
	Namespace string
	// JSONVersion is 1.0 or 1.1 for the JSON protocol.
	JSONVersion string
	Operations  map[string]*Operation
	Shapes      map[string]*Shape
}

// Operation is one action of a model.
type Operation struct {
	Name string
	// Output is the output shape ("" when the action returns nothing);
	// ResultWrapper is the Query result element around it.
	Output        string
	ResultWrapper string
	// Errors are the modeled error shapes.
	Errors []string
}

// Shape is a model shape. Members, Member, Key and Value refer to other
// shapes by name.
type Shape struct {
	Name     string
	Type     string // structure, list, map, string, integer, long, boolean, timestamp, double, float, blob
	Members  map[string]*Ref
	Required []string
	Member   *Ref // list
	Key      *Ref // map
	Value    *Ref // map
	Enum     []string
	// LocationName, Flattened and TimestampFormat are the shape's own
	// serialization traits; a Ref's override them.
	LocationName    string
	Flattened       bool
	TimestampFormat string
	// Error is set on error shapes.
	Error *ErrorTrait
}

// Ref is a reference to a shape from a member, list member or map key or
// value, with its serialization traits.
type Ref struct {
	Shape           string
	LocationName    string
	Flattened       bool
	TimestampFormat string
	XMLAttribute    bool
}

// ErrorTrait is an error shape's wire code, HTTP status and fault side.
type ErrorTrait struct {
	Code           string
	HTTPStatusCode int
	SenderFault    bool
}

// BotocoreData finds the data directory of the machine's botocore install
// (python3 is asked where botocore is; nothing else runs Python).
func BotocoreData() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("find botocore: python3 -c 'import botocore': %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "data")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("find botocore: %w", err)
	}
	return dir, nil
}

// Load reads service's model from a botocore data directory. An empty
// version takes the newest one there.
func Load(dataDir, service, version string) (*Model, error) {
	if version == "" {
		entries, err := os.ReadDir(filepath.Join(dataDir, service))
		if err != nil {
			return nil, fmt.Errorf("load model %s: %w", service, err)
		}
		var versions []string
		for _, e := range entries {
			if e.IsDir() {
				versions = append(versions, e.Name())
			}
		}
		if len(versions) == 0 {
			return nil, fmt.Errorf("load model %s: no version under %s", service, filepath.Join(dataDir, service))
		}
		sort.Strings(versions)
		version = versions[len(versions)-1]
	}
	raw, err := readModelFile(filepath.Join(dataDir, service, version, "service-2.json"))
	if err != nil {
		return nil, fmt.Errorf("load model %s %s: %w", service, version, err)
	}
	m, err := parse(raw)
	if err != nil {
		return nil, fmt.Errorf("load model %s %s: %w", service, version, err)
	}
	m.Service = service
	return m, nil
}

// readModelFile reads path, or path.gz when botocore stores it compressed.
func readModelFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return data, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := os.Open(path + ".gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s.gz: %w", path, err)
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, 256<<20))
}

// The JSON of a model, as much of it as the checker needs.
type rawModel struct {
	Metadata struct {
		Protocol     string `json:"protocol"`
		JSONVersion  string `json:"jsonVersion"`
		XMLNamespace string `json:"xmlNamespace"`
	} `json:"metadata"`
	Operations map[string]struct {
		Output *struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
		Errors []struct {
			Shape string `json:"shape"`
		} `json:"errors"`
	} `json:"operations"`
	Shapes map[string]rawShape `json:"shapes"`
}

type rawShape struct {
	Type            string             `json:"type"`
	Members         map[string]*rawRef `json:"members"`
	Required        []string           `json:"required"`
	Member          *rawRef            `json:"member"`
	Key             *rawRef            `json:"key"`
	Value           *rawRef            `json:"value"`
	Enum            []string           `json:"enum"`
	LocationName    string             `json:"locationName"`
	Flattened       bool               `json:"flattened"`
	TimestampFormat string             `json:"timestampFormat"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
	Exception bool `json:"exception"`
}

type rawRef struct {
	Shape           string `json:"shape"`
	LocationName    string `json:"locationName"`
	Flattened       bool   `json:"flattened"`
	TimestampFormat string `json:"timestampFormat"`
	XMLAttribute    bool   `json:"xmlAttribute"`
}

func (r *rawRef) ref() *Ref {
	if r == nil {
		return nil
	}
	return &Ref{Shape: r.Shape, LocationName: r.LocationName, Flattened: r.Flattened, TimestampFormat: r.TimestampFormat, XMLAttribute: r.XMLAttribute}
}

func parse(data []byte) (*Model, error) {
	var raw rawModel
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	m := &Model{Protocol: Protocol(raw.Metadata.Protocol), Namespace: raw.Metadata.XMLNamespace,
		JSONVersion: raw.Metadata.JSONVersion, Operations: map[string]*Operation{}, Shapes: map[string]*Shape{}}
	for name, rs := range raw.Shapes {
		s := &Shape{Name: name, Type: rs.Type, Required: rs.Required, Enum: rs.Enum, LocationName: rs.LocationName,
			Flattened: rs.Flattened, TimestampFormat: rs.TimestampFormat, Member: rs.Member.ref(), Key: rs.Key.ref(), Value: rs.Value.ref()}
		if len(rs.Members) > 0 {
			s.Members = map[string]*Ref{}
			for mn, r := range rs.Members {
				s.Members[mn] = r.ref()
			}
		}
		if rs.Error != nil || rs.Exception {
			s.Error = &ErrorTrait{Code: name, HTTPStatusCode: 400}
			if rs.Error != nil {
				if rs.Error.Code != "" {
					s.Error.Code = rs.Error.Code
				}
				if rs.Error.HTTPStatusCode != 0 {
					s.Error.HTTPStatusCode = rs.Error.HTTPStatusCode
				}
				s.Error.SenderFault = rs.Error.SenderFault
			}
		}
		m.Shapes[name] = s
	}
	for name, ro := range raw.Operations {
		op := &Operation{Name: name}
		if ro.Output != nil {
			op.Output, op.ResultWrapper = ro.Output.Shape, ro.Output.ResultWrapper
		}
		for _, e := range ro.Errors {
			op.Errors = append(op.Errors, e.Shape)
		}
		m.Operations[name] = op
	}
	for _, s := range m.Shapes {
		for _, r := range append(s.refs(), m.outputRefs()...) {
			if m.Shapes[r.Shape] == nil {
				return nil, fmt.Errorf("shape %s refers to unknown shape %s", s.Name, r.Shape)
			}
		}
	}
	return m, nil
}

func (s *Shape) refs() []*Ref {
	var out []*Ref
	for _, r := range s.Members {
		out = append(out, r)
	}
	for _, r := range []*Ref{s.Member, s.Key, s.Value} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (m *Model) outputRefs() []*Ref {
	var out []*Ref
	for _, op := range m.Operations {
		if op.Output != "" {
			out = append(out, &Ref{Shape: op.Output})
		}
	}
	return out
}

// name is the serialized name of a reference: the ref's locationName, else
// its shape's, else def (botocore's Shape.serialization["name"]).
func (m *Model) name(r *Ref, def string) string {
	if r.LocationName != "" {
		return r.LocationName
	}
	if s := m.Shapes[r.Shape]; s.LocationName != "" {
		return s.LocationName
	}
	return def
}

func (m *Model) flattened(r *Ref) bool { return r.Flattened || m.Shapes[r.Shape].Flattened }

func (m *Model) timestampFormat(r *Ref) string {
	if r.TimestampFormat != "" {
		return r.TimestampFormat
	}
	return m.Shapes[r.Shape].TimestampFormat
}

// errorCode finds the error shape of op whose wire code is code.
func (m *Model) errorCode(op *Operation, code string) *Shape {
	for _, name := range op.Errors {
		if s := m.Shapes[name]; s != nil && s.Error != nil && strings.EqualFold(s.Error.Code, code) {
			return s
		}
	}
	return nil
}
