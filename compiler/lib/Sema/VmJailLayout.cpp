//===- VmJailLayout.cpp - vmJail sizes and cross-field checks ---*- C++ -*-===//
//
// Sizes as truncate(1) and gpart(8) read them (expand_number(3): digits and
// an optional b/k/m/g/t/p/e unit), and the checks across a disk layout that
// catch, before anything runs, what the node would only find halfway
// through installing a VM: partitions that do not fit the disk (GPT keeps
// 34 sectors at the front and 33 at the back; starts are rounded up to the
// alignment), two partitions that both take the rest, no partition to
// install into, duplicate labels, a partcode index naming no partition, and
// fstab devices naming a label, a partition or a disk that will not exist.
//
//===----------------------------------------------------------------------===//
#include "SchemaCheck.h"
#include "VmJailChecker.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <map>

using namespace overlord;
using namespace overlord::sema;
using namespace overlord::ast;
using llvm::StringRef;

static constexpr uint64_t SectorSize = 512;
/// GPT: protective MBR + header + 128 entries at the front, the backup
/// entries and header at the back.
static constexpr uint64_t GptFront = 34 * SectorSize;
static constexpr uint64_t GptBack = 33 * SectorSize;

//===----------------------------------------------------------------------===//
// Sizes
//===----------------------------------------------------------------------===//

std::optional<uint64_t> vmjail::parseSize(StringRef Text,
                                          bool UnitlessSectors) {
  size_t Digits = 0;
  while (Digits < Text.size() && llvm::isDigit(Text[Digits]))
    ++Digits;
  if (Digits == 0 || Text.size() > Digits + 1)
    return std::nullopt;
  uint64_t N = 0;
  if (Text.take_front(Digits).getAsInteger(10, N))
    return std::nullopt;
  unsigned Shift = 0;
  if (Text.size() == Digits) {
    // No unit: gpart counts sectors, truncate bytes.
    if (UnitlessSectors) {
      if (N > UINT64_MAX / SectorSize)
        return std::nullopt;
      N *= SectorSize;
    }
    return N;
  }
  switch (llvm::toLower(Text.back())) {
  case 'b': Shift = 0; break;
  case 'k': Shift = 10; break;
  case 'm': Shift = 20; break;
  case 'g': Shift = 30; break;
  case 't': Shift = 40; break;
  case 'p': Shift = 50; break;
  case 'e': Shift = 60; break;
  default:
    return std::nullopt;
  }
  if (Shift && N > (UINT64_MAX >> Shift))
    return std::nullopt;
  return N << Shift;
}

std::string vmjail::formatBytes(uint64_t Bytes) {
  static const char *Units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB",
                                "EiB"};
  unsigned U = 0;
  uint64_t Scale = 1;
  while (U + 1 < 7 && Bytes >= Scale * 1024) {
    Scale *= 1024;
    ++U;
  }
  if (Bytes % Scale == 0)
    return std::to_string(Bytes / Scale) + " " + Units[U];
  double V = static_cast<double>(Bytes) / static_cast<double>(Scale);
  return llvm::formatv("{0:F2} {1}", V, Units[U]).str();
}

/// An example of the intended size for the message: the digits with the
/// first letter of a unit ('20GB' -> '20G'), else a typical value.
static std::string sizeExample(StringRef Text, bool UnitlessSectors) {
  StringRef T = Text.trim();
  size_t Digits = 0;
  while (Digits < T.size() && llvm::isDigit(T[Digits]))
    ++Digits;
  StringRef Rest = T.drop_front(Digits).ltrim();
  if (Digits && !Rest.empty() &&
      StringRef("bkmgtpeBKMGTPE").contains(Rest.front()))
    return (T.take_front(Digits) + Rest.take_front(1)).str();
  return UnitlessSectors ? "512k" : "20G";
}

bool vmjail::checkSize(const Value &V, StringRef Path, bool UnitlessSectors,
                       SchemaChecker &C, VmSize &Out) {
  if (!C.expectString(V, Path))
    return false;
  Out.Text = V.Text;
  // `!ENV '${DISK}'` with DISK unset: reported where the variable is.
  if (V.FromEnv && V.Text.empty())
    return true;
  Out.Bytes = parseSize(V.Text, UnitlessSectors);
  if (Out.Bytes)
    return true;
  C.diags().emit(V.Range, diag::VmSizeMalformed, Path.str(), V.Text,
                 sizeExample(V.Text, UnitlessSectors));
  return false;
}

//===----------------------------------------------------------------------===//
// Cross-field checks
//===----------------------------------------------------------------------===//

namespace {

/// The trees of a well-formed layout, for ranges.
struct LayoutTrees {
  const Value *Layout = nullptr;
  const Value *Disk = nullptr;
  const Value *Partitions = nullptr;
  const Value *Fstab = nullptr;

  const Value *partition(unsigned Index) const {
    if (!Partitions || Index == 0 || Index > Partitions->Items.size())
      return nullptr;
    return Partitions->Items[Index - 1];
  }
  /// The range of Key in partition Index, or the item's.
  llvm::SMRange partitionRange(unsigned Index, StringRef Key) const {
    const Value *P = partition(Index);
    if (!P)
      return Disk ? Disk->Range : llvm::SMRange();
    if (const Value *V = SchemaChecker::lookup(*P, Key))
      return V->Range;
    return P->Entries.empty() || !P->Entries[0].Key ? P->Range
                                                    : P->Entries[0].Key->Range;
  }
};

std::string partitionCount(size_t N) {
  return std::to_string(N) + (N == 1 ? " partition" : " partitions");
}

uint64_t alignUp(uint64_t X, uint64_t A) {
  if (A <= 1 || X % A == 0)
    return X;
  uint64_t Up = X + (A - X % A);
  return Up < X ? UINT64_MAX : Up;
}

/// At most one partition without `size`.
bool checkRest(const VmDisk &D, const LayoutTrees &T, SchemaChecker &C) {
  const VmPartition *Rest = nullptr;
  for (const VmPartition &P : D.Partitions) {
    if (P.Size)
      continue;
    if (!Rest) {
      Rest = &P;
      continue;
    }
    C.diags()
        .emit(T.partitionRange(P.Index, "type"), diag::VmPartitionRestTwice,
              P.Index, Rest->Index)
        .note(T.partitionRange(Rest->Index, "type"), diag::VmNotePartitionHere,
              Rest->Index);
    return false;
  }
  return true;
}

/// Lays the partitions out as gpart would and reports the first that ends
/// past the usable end of the disk. Stops at the first unknown size.
void checkFit(const VmDiskLayout &L, const LayoutTrees &T, SchemaChecker &C) {
  if (!L.Size.Bytes)
    return;
  uint64_t Disk = *L.Size.Bytes;
  uint64_t End = Disk > GptFront + GptBack ? Disk - GptBack : 0;
  uint64_t Cursor = GptFront;
  const VmPartition *Prev = nullptr;
  for (const VmPartition &P : L.Disk->Partitions) {
    if ((P.Start && !P.Start->Bytes) || (P.Alignment && !P.Alignment->Bytes) ||
        (P.Size && !P.Size->Bytes))
      return;
    uint64_t Pos = P.Start ? *P.Start->Bytes : Cursor;
    if (P.Alignment)
      Pos = alignUp(Pos, *P.Alignment->Bytes);
    std::string Why;
    if (P.Size) {
      uint64_t PEnd = Pos + *P.Size->Bytes;
      if (PEnd < Pos || PEnd > End)
        Why = "it ends at " +
              vmjail::formatBytes(PEnd < Pos ? UINT64_MAX : PEnd) +
              ", past the end of the " + L.Size.Text + " disk";
      Cursor = PEnd;
    } else {
      if (Pos >= End)
        Why = "it takes the rest of the disk, but nothing is left after " +
              (Prev ? "partition " + std::to_string(Prev->Index)
                    : std::string("the partition table"));
      Cursor = End;
    }
    if (!Why.empty()) {
      llvm::SMRange R = T.partitionRange(P.Index, P.Size ? "size" : "type");
      C.diags()
          .emit(R, diag::VmPartitionsOverflow, P.Index, Why)
          .note(SchemaChecker::lookup(*T.Layout, "size")->Range,
                diag::VmNoteDiskSize);
      return;
    }
    Prev = &P;
  }
}

void checkLabels(const VmDisk &D, const LayoutTrees &T, SchemaChecker &C) {
  std::map<std::string, unsigned> Seen;
  for (const VmPartition &P : D.Partitions) {
    if (!P.Label)
      continue;
    auto [It, New] = Seen.emplace(*P.Label, P.Index);
    if (New)
      continue;
    C.diags()
        .emit(T.partitionRange(P.Index, "label"),
              diag::VmPartitionLabelDuplicate, It->second, P.Index, *P.Label)
        .note(T.partitionRange(It->second, "label"), diag::VmNotePartitionHere,
              It->second);
  }
}

void checkBootcodeIndex(const VmDisk &D, const LayoutTrees &T,
                        SchemaChecker &C) {
  if (!D.Bootcode || !D.Bootcode->PartcodeIndex)
    return;
  unsigned Index = *D.Bootcode->PartcodeIndex;
  const Value *B = SchemaChecker::lookup(*T.Disk, "bootcode");
  const Value *IV = B ? SchemaChecker::lookup(*B, "index") : nullptr;
  llvm::SMRange R = IV ? IV->Range : T.Disk->Range;
  if (Index > D.Partitions.size()) {
    C.diags().emit(R, diag::VmBootcodeIndexRange, int64_t(Index),
                   partitionCount(D.Partitions.size()));
    return;
  }
  const VmPartition &P = D.Partitions[Index - 1];
  if (P.Type == "freebsd-boot" || StringRef(P.Type).startswith("!"))
    return;
  C.diags()
      .emit(R, diag::VmBootcodeIndexType, Index, P.Type)
      .note(T.partitionRange(Index, "type"), diag::VmNotePartitionHere, Index);
}

} // namespace

//===----------------------------------------------------------------------===//
// fstab devices
//===----------------------------------------------------------------------===//

namespace {

/// Partition types an fstab file system type is at home in; other types
/// draw a warning. File systems not listed are not checked.
bool typeFits(StringRef FsType, StringRef PartType) {
  if (PartType.startswith("!"))
    return true;
  if (FsType == "ufs")
    return PartType == "freebsd-ufs";
  if (FsType == "swap")
    return PartType == "freebsd-swap";
  if (FsType == "zfs")
    return PartType == "freebsd-zfs";
  if (FsType == "msdosfs")
    return PartType == "efi" || PartType == "ms-basic-data" ||
           PartType == "fat32";
  return true;
}

/// The guest's name of disk 0 for a driver.
StringRef guestDisk(VmDiskDriver D) {
  switch (D) {
  case VmDiskDriver::VirtioBlk:
    return "vtbd";
  case VmDiskDriver::Nvme:
    return "nda";
  case VmDiskDriver::AhciHd:
    return "ada";
  }
  return "vtbd";
}

/// The driver a guest disk name belongs to, or "" for names not known.
StringRef driverOfDisk(StringRef Name) {
  if (Name == "vtbd")
    return "virtio-blk";
  if (Name == "nda" || Name == "nvd")
    return "nvme";
  if (Name == "ada")
    return "ahci-hd";
  return "";
}

/// `/dev/<disk><unit>p<index>`: splits it, or returns false.
bool splitDevice(StringRef Dev, StringRef &Disk, unsigned &Unit,
                 unsigned &Index) {
  if (!Dev.consume_front("/dev/"))
    return false;
  size_t Letters = 0;
  while (Letters < Dev.size() && llvm::isAlpha(Dev[Letters]))
    ++Letters;
  Disk = Dev.take_front(Letters);
  Dev = Dev.drop_front(Letters);
  size_t P = Dev.find('p');
  if (Disk.empty() || P == StringRef::npos || P == 0)
    return false;
  return !Dev.take_front(P).getAsInteger(10, Unit) &&
         !Dev.drop_front(P + 1).getAsInteger(10, Index);
}

/// A replacement for a scalar's source text, keeping its quoting style.
std::string requote(const Value &V, StringRef Text) {
  if (V.Style == ScalarStyle::SingleQuoted)
    return "'" + Text.str() + "'";
  if (V.Style == ScalarStyle::DoubleQuoted)
    return "\"" + Text.str() + "\"";
  return Text.str();
}

/// `/dev/gpt/<label>`: the label must be declared. Returns the partition.
const VmPartition *checkLabelDevice(const Value &DevV, StringRef Label,
                                    const VmDisk &D, const LayoutTrees &T,
                                    SchemaChecker &C) {
  std::vector<StringRef> Labels;
  for (const VmPartition &P : D.Partitions) {
    if (P.Label && *P.Label == Label)
      return &P;
    if (P.Label)
      Labels.push_back(*P.Label);
  }
  std::string Best = suggestClosest(Label, Labels);
  auto B = C.diags().emit(DevV.Range, diag::VmFstabLabelUnknown, DevV.Text,
                          Label.str(), didYouMean(Best));
  if (!Best.empty())
    B.fixit(DevV.Range, requote(DevV, "/dev/gpt/" + Best));
  std::string Declared = Labels.empty() ? "; none has a 'label'"
                                        : "; their labels are ";
  llvm::sort(Labels);
  Labels.erase(std::unique(Labels.begin(), Labels.end()), Labels.end());
  for (size_t I = 0; I < Labels.size(); ++I)
    Declared += (I ? ", '" : "'") + Labels[I].str() + "'";
  B.note(SchemaChecker::keyRange(*T.Disk, "partitions"), diag::VmNoteLabels,
         Declared);
  return nullptr;
}

/// `/dev/<disk>0p<N>`: the disk name must match the driver and N must be a
/// declared partition. Returns the partition.
const VmPartition *checkIndexDevice(const Value &DevV, const VmDiskLayout &L,
                                    SchemaChecker &C) {
  StringRef Disk;
  unsigned Unit = 0, Index = 0;
  if (!splitDevice(DevV.Text, Disk, Unit, Index) || Unit != 0 ||
      driverOfDisk(Disk).empty())
    return nullptr;
  StringRef Driver = vmDiskDriverName(L.Driver);
  if (driverOfDisk(Disk) != Driver) {
    std::string Want = "/dev/" + guestDisk(L.Driver).str() + "0";
    C.diags().emit(DevV.Range, diag::VmFstabDeviceDriver, DevV.Text,
                   driverOfDisk(Disk).str(), Driver.str(), Want);
    return nullptr;
  }
  const VmDisk &D = *L.Disk;
  if (Index == 0 || Index > D.Partitions.size()) {
    C.diags().emit(DevV.Range, diag::VmFstabPartitionMissing, DevV.Text, Index,
                   partitionCount(D.Partitions.size()));
    return nullptr;
  }
  return &D.Partitions[Index - 1];
}

void checkFstabDevices(const VmDiskLayout &L, const LayoutTrees &T,
                       SchemaChecker &C) {
  bool HasRoot = false;
  for (size_t I = 0; I < L.Fstab.size() && T.Fstab; ++I) {
    const VmFstabEntry &E = L.Fstab[I];
    HasRoot |= E.MountPoint == "/";
    const Value *Item = I < T.Fstab->Items.size() ? T.Fstab->Items[I] : nullptr;
    const Value *DevV = Item ? SchemaChecker::lookup(*Item, "device") : nullptr;
    if (!DevV)
      continue;
    StringRef Dev = E.Device;
    const VmPartition *P =
        Dev.consume_front("/dev/gpt/")
            ? checkLabelDevice(*DevV, Dev, *L.Disk, T, C)
            : checkIndexDevice(*DevV, L, C);
    if (!P)
      continue;
    const Value *TypeV = SchemaChecker::lookup(*Item, "type");
    if (!typeFits(E.Type, P->Type))
      C.diags()
          .emit(TypeV ? TypeV->Range : DevV->Range, diag::VmFstabPartitionType,
                P->Index, E.Type, P->Type)
          .note(T.partitionRange(P->Index, "type"), diag::VmNotePartitionHere,
                P->Index);
    else if (E.MountPoint == "/" && L.Disk->RootIndex &&
             *L.Disk->RootIndex != P->Index)
      C.diags()
          .emit(DevV->Range, diag::VmFstabRootMismatch, P->Index,
                *L.Disk->RootIndex)
          .note(T.partitionRange(*L.Disk->RootIndex, "type"),
                diag::VmNotePartitionHere, *L.Disk->RootIndex);
  }
  if (!HasRoot && !L.Fstab.empty())
    C.diags().emit(SchemaChecker::keyRange(*T.Layout, "fstab"),
                   diag::VmFstabNoRoot);
}

} // namespace

void vmjail::checkLayoutConsistency(const Value &V, const VmDiskLayout &L,
                                    SchemaChecker &C) {
  if (!L.Disk)
    return;
  LayoutTrees T;
  T.Layout = &V;
  T.Disk = SchemaChecker::lookup(V, "disk");
  T.Partitions = T.Disk ? SchemaChecker::lookup(*T.Disk, "partitions") : nullptr;
  T.Fstab = SchemaChecker::lookup(V, "fstab");
  if (!T.Disk || !T.Partitions ||
      T.Partitions->Items.size() != L.Disk->Partitions.size())
    return;
  if (checkRest(*L.Disk, T, C))
    checkFit(L, T, C);
  if (!L.Disk->RootIndex)
    C.diags().emit(SchemaChecker::keyRange(*T.Disk, "partitions"),
                   diag::VmNoRootPartition);
  checkLabels(*L.Disk, T, C);
  checkBootcodeIndex(*L.Disk, T, C);
  checkFstabDevices(L, T, C);
}
