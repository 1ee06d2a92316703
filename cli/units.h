/* Link figures on the command line: rates ("8mbit", "500kbit", "1gbit",
 * "2.5" = Mbit/s) and durations ("40ms", "1.5s", "40" = ms). */
#ifndef SEAM_CLI_UNITS_H
#define SEAM_CLI_UNITS_H

/* Each returns 0 with *out set, or -1 after a message naming cmd and opt. */
int cli_parse_rate_mbps(const char *cmd, const char *opt, const char *val, double *out);
int cli_parse_duration_ms(const char *cmd, const char *opt, const char *val, double *out);

#endif
