#ifndef MOAT_CPCRE2_SHIM_H
#define MOAT_CPCRE2_SHIM_H
/* The 8-bit library: functions are then visible to Swift under their `_8` names
   (pcre2_compile_8, pcre2_match_8, ...); the unsuffixed names are macros. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <stddef.h>
#include <pcre2.h>

/* Macros with casts, which Swift does not import. */
static inline size_t cpcre2_unset(void) { return PCRE2_UNSET; }
static inline size_t cpcre2_zero_terminated(void) { return PCRE2_ZERO_TERMINATED; }
#endif
