/* A map from names to small integers (value or node indices), so that
 * looking a name up costs the same in a graph of ten nodes as in one of a
 * hundred thousand. Open addressing with linear probing; keys are borrowed
 * and must outlive the map. */
#ifndef SEAM_RUNTIME_NAME_MAP_H
#define SEAM_RUNTIME_NAME_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct seam_name_map {
  const char **keys; /* NULL for an empty slot */
  int *values;
  size_t cap; /* a power of two, or 0 */
  size_t n;
} seam_name_map;

/* The value stored for name, or -1. */
int seam_name_map_get(const seam_name_map *m, const char *name);
/* Stores value for name (replacing an earlier one); false when out of memory. */
bool seam_name_map_put(seam_name_map *m, const char *name, int value);
/* Frees the table (not the keys) and empties the map. */
void seam_name_map_clear(seam_name_map *m);

#endif
