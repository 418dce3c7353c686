package lang_test

import (
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

func init() { lang.SetTestKinds(modules.Kinds()) }
