/* Attribute types by operator, for refusing wrongly typed attributes at
 * import instead of silently using a default. */
#ifndef SEAM_RUNTIME_ATTR_TYPES_H
#define SEAM_RUNTIME_ATTR_TYPES_H

#include "runtime/graph.h"

/* The type ONNX gives attribute name of op_type (default domain) at this
 * opset, or 0 when seam does not know the attribute (it is then accepted
 * as it is, and ignored by the kernels). */
seam_attr_type seam_attr_expected_type(const char *op_type, int opset, const char *name);
/* ONNX's name of an attribute type ("INTS"). */
const char *seam_attr_type_name(seam_attr_type type);

#endif
