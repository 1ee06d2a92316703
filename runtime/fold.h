/* Load-time constant folding. */
#ifndef SEAM_RUNTIME_FOLD_H
#define SEAM_RUNTIME_FOLD_H

#include "runtime/graph.h"

/* Evaluates every node whose inputs are all constants (Constant nodes, and
 * the weight-side subgraphs exporters emit), stores the results as constants
 * and removes those nodes. Values keep their names and meaning, so any tensor
 * can still be named as a cut. */
seam_status seam_fold_constants(seam_graph *g, seam_error *err);
/* The same, leaving nodes of type keep_op (NULL: none) unfolded: the
 * optimizer folds everything but DequantizeLinear first, so that QDQ fusion
 * still sees the quantized weights, then folds again. */
seam_status seam_fold_constants_except(seam_graph *g, const char *keep_op, seam_error *err);

/* Frees the constants no node reads any more and that are not graph outputs
 * (after folding or optimization removed their readers). The values stay,
 * without data. */
void seam_drop_unread_constants(seam_graph *g);

#endif
