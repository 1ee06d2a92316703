/* Rates and durations on the command line (units.h). */
#include "cli/units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <strings.h>

static int parse(const char *cmd, const char *opt, const char *val, const char *const *units,
                 const double *scale, int n_units, const char *what, bool positive, double *out) {
  char *end = NULL;
  double x = strtod(val, &end);
  if (end == val || !isfinite(x) || x < 0 || (positive && x == 0)) goto bad;
  if (!*end) {
    *out = x * scale[0];
    return 0;
  }
  for (int i = 0; i < n_units; i++)
    if (strcasecmp(end, units[i]) == 0) {
      *out = x * scale[i];
      return 0;
    }
bad:
  fprintf(stderr, "seam %s: %s '%s' is not %s\n", cmd, opt, val, what);
  return -1;
}

int cli_parse_rate_mbps(const char *cmd, const char *opt, const char *val, double *out) {
  static const char *const units[] = {"mbit", "kbit", "gbit", "bit", "mbps", "kbps", "gbps"};
  static const double scale[] = {1, 1e-3, 1e3, 1e-6, 1, 1e-3, 1e3};
  return parse(cmd, opt, val, units, scale, 7, "a rate > 0 (8mbit, 500kbit, 1gbit; a plain number is Mbit/s)",
               true, out);
}

int cli_parse_duration_ms(const char *cmd, const char *opt, const char *val, double *out) {
  static const char *const units[] = {"ms", "s", "us"};
  static const double scale[] = {1, 1e3, 1e-3};
  return parse(cmd, opt, val, units, scale, 3, "a duration >= 0 (40ms, 1.5s; a plain number is ms)", false, out);
}
