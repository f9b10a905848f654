package main

import "github.com/rbmscope/rbmscope/internal/jsonsafe"

// nanless marshals its value with every NaN or ±Inf float replaced by null.
type nanless = jsonsafe.NaNless
