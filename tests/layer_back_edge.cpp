// Compiled by the layer_does_not_see_above test with the cache layer's
// include directory: a cache file including a kernel-model header must not
// find it.
#include "armcache/kernel/vcpu_model.h"
