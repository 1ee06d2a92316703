/* seam — umbrella header. */
#ifndef SEAM_SEAM_H
#define SEAM_SEAM_H
#include "seam/status.h"
#include "seam/tensor.h"
#include "seam/runtime.h"
#include "seam/profile.h"
#endif
