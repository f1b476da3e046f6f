# Sourced by the test scripts: forget every target and credential variable,
# so that `make test` runs against the embedded mock whatever the caller's
# shell holds.
for v in $(env | sed -n 's/^\(NICCONFORM_[A-Z_]*\|HW_[A-Z_]*\|OS_[A-Z_]*\|HUAWEICLOUD_SDK_[A-Z_]*\)=.*/\1/p'); do
  unset "$v"
done
GINKGO="go run github.com/onsi/ginkgo/v2/ginkgo"
