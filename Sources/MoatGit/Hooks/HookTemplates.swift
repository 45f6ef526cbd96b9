// Generated from hooks/pre-commit and hooks/pre-push; HookTemplateTests checks they match byte for byte.
// After editing a template, paste it here unchanged (or regenerate this file).

/// The hook scripts `HookInstaller` writes, embedded so the binary needs no data files.
/// `@MOAT_PATH@` stands for the shell-quoted path of the moat binary that installs the hook.
enum HookTemplates {
    /// hooks/pre-commit
    static let preCommit = #"""
    #!/bin/sh
    # moat-hook v1
    # Installed by `moat hook install`: stops model weights and secrets from being committed.
    # Remove it with `moat hook uninstall`; skip it once with `git commit --no-verify`.

    moat_installed='@MOAT_PATH@'
    if [ -n "$moat_installed" ] && [ -x "$moat_installed" ]; then
        moat=$moat_installed
    elif moat=$(command -v moat 2>/dev/null); then
        :
    else
        echo "moat pre-commit hook: cannot find moat${moat_installed:+ at $moat_installed} or on PATH." >&2
        echo "Install moat, remove this hook with 'moat hook uninstall', or skip it once with 'git commit --no-verify'." >&2
        exit 2
    fi

    # A hook that was here before moat was installed with --chain runs first, and must pass.
    previous="$(dirname "$0")/pre-commit.local"
    if [ -x "$previous" ]; then
        "$previous" "$@" || exit $?
    fi

    exec "$moat" staged

    """#

    /// hooks/pre-push
    static let prePush = #"""
    #!/bin/sh
    # moat-hook v1
    # Installed by `moat hook install`: checks the commits being pushed for model weights and secrets.
    # Remove it with `moat hook uninstall`; skip it once with `git push --no-verify`.

    moat_installed='@MOAT_PATH@'
    if [ -n "$moat_installed" ] && [ -x "$moat_installed" ]; then
        moat=$moat_installed
    elif moat=$(command -v moat 2>/dev/null); then
        :
    else
        echo "moat pre-push hook: cannot find moat${moat_installed:+ at $moat_installed} or on PATH." >&2
        echo "Install moat, remove this hook with 'moat hook uninstall', or skip it once with 'git push --no-verify'." >&2
        exit 2
    fi

    # A hook that was here before moat was installed with --chain runs first, with the same arguments
    # and the same refs on stdin, and must pass.
    previous="$(dirname "$0")/pre-push.local"
    if [ -x "$previous" ]; then
        refs=$(mktemp) || exit 2
        trap 'rm -f "$refs"' EXIT
        cat >"$refs"
        "$previous" "$@" <"$refs" || exit $?
        "$moat" history --pre-push "$@" <"$refs"
        exit $?
    fi

    exec "$moat" history --pre-push "$@"

    """#
}
