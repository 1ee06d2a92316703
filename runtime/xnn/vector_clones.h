/* VECTOR_CLONES: build a hot loop for AVX-512, AVX2 and baseline x86-64 and
 * pick one at load time (the library itself targets baseline x86-64). Not
 * under ThreadSanitizer: the clones' ifunc resolvers run while the dynamic
 * loader relocates, before the TSan runtime is set up, and crash there. */
#ifndef SEAM_RUNTIME_XNN_VECTOR_CLONES_H
#define SEAM_RUNTIME_XNN_VECTOR_CLONES_H

#if defined(__x86_64__) && defined(__has_attribute) && !defined(__SANITIZE_THREAD__)
#if __has_attribute(target_clones)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VECTOR_CLONES
#define VECTOR_CLONES
#endif

#endif
