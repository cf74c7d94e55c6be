//===- FileUtil.h - POSIX file helpers of the stores ------------*- C++ -*-===//
//
// The few file-system operations the stores need, with errors as StoreErrors
// (kind Io) that name the path: atomic file replacement (temporary file,
// fsync, rename, fsync of the directory), directory fsync, tree removal that
// never follows symlinks, and whole-file reads that refuse non-regular files.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_STORE_FILEUTIL_H
#define OVERLORD_ENGINE_LIB_STORE_FILEUTIL_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace overlord {
namespace engine {
namespace fsutil {

/// A StoreError of kind Io: "<What>: <strerror(Errno)>".
llvm::Error ioError(const llvm::Twine &What, int Errno);

/// `<Dir>/<Name>`.
std::string join(llvm::StringRef Dir, llvm::StringRef Name);

/// mkdir -p Dir; directories it creates get mode 0755.
llvm::Error ensureDir(llvm::StringRef Dir);

/// fsync of a directory, so a rename in it survives a crash.
llvm::Error syncDir(llvm::StringRef Dir);

/// Writes all of Data to Fd (retrying short writes and EINTR).
bool writeAll(int Fd, llvm::StringRef Data);

/// Replaces `<Dir>/<Name>` with Content atomically: the content goes to
/// `<Dir>/.<Name>.tmp-XXXXXX` (mode Mode), is fsync'ed and renamed over the
/// name, and the directory is fsync'ed. The temporary file is removed on
/// failure.
llvm::Error replaceFile(llvm::StringRef Dir, llvm::StringRef Name,
                        llvm::StringRef Content, mode_t Mode);

/// The content of the regular file Path; nullopt if it does not exist or is
/// not a regular file (never blocks on a FIFO).
llvm::Expected<std::optional<std::string>>
readRegularFile(llvm::StringRef Path);

/// True if Path is a regular file (following symlinks) / a directory (not
/// following a final symlink).
bool isRegularFile(llvm::StringRef Path);
bool isRealDirectory(llvm::StringRef Path);

/// The entry names of Dir without "." and "..", sorted; nullopt if Dir does
/// not exist (ENOENT); an error for any other failure.
llvm::Expected<std::optional<std::vector<std::string>>>
listDir(llvm::StringRef Dir);

/// rm -rf Path without following symlinks. A missing Path is not an error.
llvm::Error removeTree(llvm::StringRef Path);

/// A new empty directory `<Dir>/<Prefix>XXXXXX` (mode 0700); its path.
llvm::Expected<std::string> makeTempDir(llvm::StringRef Dir,
                                        llvm::StringRef Prefix);

} // namespace fsutil
} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_LIB_STORE_FILEUTIL_H
