package host

// ProbeLinkKindsHere is probeLinkKindsHere, for the external tests.
var ProbeLinkKindsHere = probeLinkKindsHere
