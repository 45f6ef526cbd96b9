#ifndef MOAT_CGIT2_SHIM_H
#define MOAT_CGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one wrapper per option we use. */
static inline int cgit2_set_strict_hash_verification(int on) { return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, on); }
static inline int cgit2_set_owner_validation(int on) { return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, on); }
static inline int cgit2_set_caching(int on) { return git_libgit2_opts(GIT_OPT_ENABLE_CACHING, on); }
static inline int cgit2_set_cache_max_size(ssize_t bytes) { return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, bytes); }
static inline int cgit2_set_mwindow_file_limit(size_t n) { return git_libgit2_opts(GIT_OPT_SET_MWINDOW_FILE_LIMIT, n); }

/* An object database backend whose state is its objects directory (see LooseObjectBackend.swift). */
typedef struct moat_loose_backend {
    git_odb_backend parent;
    char *objects_dir;
} moat_loose_backend;
/* An object database backend whose state is a retained Swift object (see DamagedPackGuard.swift). */
typedef struct moat_owned_backend {
    git_odb_backend parent;
    void *owner;
} moat_owned_backend;
static inline int cgit2_init_backend(git_odb_backend *b) { return git_odb_init_backend(b, GIT_ODB_BACKEND_VERSION); }
#endif
