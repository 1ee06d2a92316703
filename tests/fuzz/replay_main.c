/* Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so that the committed regression inputs run in every build
 * (gcc or clang, optimized or sanitized) as an ordinary test.
 *
 *   fuzz_<target>_replay PATH...   each PATH a file or a folder of files
 *
 * Exits 0 when every input was handled (a crash or a failed check aborts),
 * 1 when no input was found at all: an empty replay proves nothing. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/file_io.h"
#include "tests/fuzz/fuzz_check.h"

static int replay_file(const char *path) {
  size_t size = 0;
  seam_error err;
  unsigned char *data = seam_read_file(path, &size, &err);
  if (!data) {
    fprintf(stderr, "replay: %s\n", err.message);
    exit(1);
  }
  fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
  LLVMFuzzerTestOneInput(data, size);
  free(data);
  return 1;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of a folder in name order (so the log reads the same every run). */
static int replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay: cannot open %s\n", dir);
    exit(1);
  }
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char **more = realloc(names, (n + 1) * sizeof *names);
    if (!more || !(more[n] = strdup(e->d_name))) {
      fprintf(stderr, "replay: out of memory\n");
      exit(1);
    }
    names = more;
    n++;
  }
  closedir(d);
  qsort(names, n, sizeof *names, compare_names);
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) count += replay_file(path);
    free(names[i]);
  }
  free(names);
  return count;
}

int main(int argc, char **argv) {
  int count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s does not exist\n", argv[i]);
      return 1;
    }
    count += S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]);
  }
  if (count == 0) {
    fprintf(stderr, "replay: no input found\n");
    return 1;
  }
  printf("replay: %d inputs handled\n", count);
  return 0;
}
