/* The regie subcommands. Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit status: 0 success, 1 failure, 2 usage error. `--help` prints usage.
 */
#ifndef REGIE_CLI_CLI_H
#define REGIE_CLI_CLI_H

int cli_serve(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_fhirpath(int argc, char **argv);
int cli_lists(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_ca(int argc, char **argv);
int cli_audit(int argc, char **argv);

#endif
