#include "runtime/name_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short, and good enough for tensor names. */
static size_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)(h ^ (h >> 29));
}

static size_t slot_of(const seam_name_map *m, const char *name) {
  size_t mask = m->cap - 1, i = hash_name(name) & mask;
  while (m->keys[i] && strcmp(m->keys[i], name) != 0) i = (i + 1) & mask;
  return i;
}

int seam_name_map_get(const seam_name_map *m, const char *name) {
  if (!m->cap) return -1;
  size_t i = slot_of(m, name);
  return m->keys[i] ? m->values[i] : -1;
}

static bool grow(seam_name_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  seam_name_map bigger = {calloc(cap, sizeof *bigger.keys), malloc(cap * sizeof *bigger.values), cap, 0};
  if (!bigger.keys || !bigger.values) {
    free(bigger.keys);
    free(bigger.values);
    return false;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      size_t j = slot_of(&bigger, m->keys[i]);
      bigger.keys[j] = m->keys[i];
      bigger.values[j] = m->values[i];
      bigger.n++;
    }
  seam_name_map_clear(m);
  *m = bigger;
  return true;
}

bool seam_name_map_put(seam_name_map *m, const char *name, int value) {
  /* At most half full, so probes stay short. */
  if ((m->n + 1) * 2 > m->cap && !grow(m)) return false;
  size_t i = slot_of(m, name);
  if (!m->keys[i]) {
    m->keys[i] = name;
    m->n++;
  }
  m->values[i] = value;
  return true;
}

void seam_name_map_clear(seam_name_map *m) {
  free(m->keys);
  free(m->values);
  memset(m, 0, sizeof *m);
}
