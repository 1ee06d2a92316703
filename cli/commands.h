/* The seam command's subcommands; each returns the process exit code. */
#ifndef SEAM_CLI_COMMANDS_H
#define SEAM_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_conformance(int argc, char **argv);

/* Monotonic time in milliseconds. */
double cli_now_ms(void);
/* Splits "name=path" into name and path (name NULL when there is no '='
 * before the first '/'). Modifies arg. */
void cli_split_named(char *arg, char **name, char **path);

#endif
