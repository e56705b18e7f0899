/* RECUR_API marks the functions of the public API: the library is built
 * with hidden visibility, so that these alone leave librecur.so (its
 * internal helpers stay inside, as they do for the static library's users). */
#ifndef RECUR_API_H
#define RECUR_API_H

#if defined(__GNUC__) || defined(__clang__)
#define RECUR_API __attribute__((visibility("default")))
#else
#define RECUR_API
#endif

#endif
