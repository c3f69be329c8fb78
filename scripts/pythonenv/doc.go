// Package pythonenv holds the test of scripts/python-env.sh, which gives
// `make test` a python3 with boto3, moto, the AWS CLI and cfn-lint, making
// a virtual environment from scripts/requirements-test.txt when the
// machine's python lacks them.
package pythonenv
