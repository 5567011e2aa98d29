#pragma once

#include "ops/invalidation/safetypolicy.h"

namespace cachescope::ui {

// The dashboard's name for core's safety policy.
using SafetyOptions = ops::SafetyPolicy;

} // namespace cachescope::ui
