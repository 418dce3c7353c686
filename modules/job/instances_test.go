package job

import (
	"reflect"
	"testing"
)

func TestInstanceAddresses(t *testing.T) {
	got, err := InstanceAddresses("100.64.10.32/28", 3)
	if err != nil || !reflect.DeepEqual(got, []string{"100.64.10.33", "100.64.10.34", "100.64.10.35"}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := InstanceAddresses("100.64.10.32/29", 7); err == nil {
		t.Error("7 addresses fit in a /29")
	}
}
