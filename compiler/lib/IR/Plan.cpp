//===- Plan.cpp - Plan IR registry, builder and canonical order -*- C++ -*-===//
//
// Turns Ops.def into the runtime tables (OpInfo, FieldInfo with the replace
// reasons), implements the canonical execution order, the builder, secret
// sealing (HMAC-SHA256 on llvm::SHA256) and the value formatting helpers the
// printer, parser, JSON and diff share.
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Plan.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <random>
#include <tuple>

using namespace overlord;
using namespace overlord::ir;

namespace {

struct RawField {
  OpKind Kind;
  const char *Member;
  const char *Name;
  FieldType Type;
  unsigned Flags;
};
struct RawReplace {
  OpKind Kind;
  const char *Member;
  const char *Reason;
};
struct RawOp {
  OpKind Kind;
  const char *Mnemonic;
  OpCategory Category;
};

const RawOp RawOps[] = {
#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY)                                 \
  {OpKind::CLASS, MNEMONIC, OpCategory::CATEGORY},
#include "overlord/IR/Ops.def"
};
const RawField RawFields[] = {
#define OVERLORD_OP_FIELD(CLASS, MEMBER, TYPE, NAME, FLAGS)                    \
  {OpKind::CLASS, #MEMBER, NAME, FieldType::TYPE, (FLAGS)},
#include "overlord/IR/Ops.def"
};
const RawReplace RawReplaces[] = {
#define OVERLORD_OP_REPLACE(CLASS, MEMBER, REASON)                             \
  {OpKind::CLASS, #MEMBER, REASON},
#include "overlord/IR/Ops.def"
};

constexpr size_t NumKinds = static_cast<size_t>(OpKind::NumKinds);

/// The runtime registry, built once from the raw tables.
struct Registry {
  std::vector<FieldInfo> Fields[NumKinds];
  OpInfo Infos[NumKinds];

  Registry() {
    for (const RawField &F : RawFields) {
      std::vector<FieldInfo> &V = Fields[static_cast<size_t>(F.Kind)];
      llvm::StringRef Reason;
      for (const RawReplace &R : RawReplaces)
        if (R.Kind == F.Kind && llvm::StringRef(R.Member) == F.Member)
          Reason = R.Reason;
      V.push_back({F.Name, F.Type, F.Flags, static_cast<unsigned>(V.size()),
                   Reason});
    }
    for (const RawOp &O : RawOps) {
      size_t I = static_cast<size_t>(O.Kind);
      Infos[I] = {O.Kind, O.Mnemonic, O.Category, Fields[I]};
    }
  }
};

const Registry &registry() {
  static const Registry R;
  return R;
}

} // namespace

const OpInfo &ir::getOpInfo(OpKind K) {
  return registry().Infos[static_cast<size_t>(K)];
}

std::optional<OpKind> ir::lookupMnemonic(llvm::StringRef Mnemonic) {
  for (const RawOp &O : RawOps)
    if (Mnemonic == O.Mnemonic)
      return O.Kind;
  return std::nullopt;
}

std::vector<llvm::StringRef> ir::allMnemonics() {
  std::vector<llvm::StringRef> V;
  for (const RawOp &O : RawOps)
    V.push_back(O.Mnemonic);
  return V;
}

const OpBase &Plan::base(OpRef R) const {
  return visitOp(*this, R, [](const auto &Op) -> const OpBase & { return Op; });
}

size_t Plan::numOps() const {
  size_t N = 0;
  for (const std::vector<OpRef> &V : TargetOps)
    N += V.size();
  return N;
}

llvm::StringRef ir::vmNameOf(llvm::StringRef Symbol) {
  return Symbol.split(':').first;
}

llvm::StringRef ir::orderGroupOf(OpKind K, llvm::StringRef Symbol) {
  return getOpInfo(K).Category == OpCategory::Vm ? vmNameOf(Symbol) : Symbol;
}

bool ir::opOrderLess(OpKind KA, llvm::StringRef SA, OpKind KB,
                     llvm::StringRef SB) {
  OpCategory CA = getOpInfo(KA).Category, CB = getOpInfo(KB).Category;
  if (CA != CB)
    return CA < CB;
  int C = orderGroupOf(KA, SA).compare(orderGroupOf(KB, SB));
  if (C != 0)
    return C < 0;
  return KA < KB;
}

llvm::StringRef ir::datacenterOf(llvm::StringRef Route) {
  return Route.split('.').first;
}

//===----------------------------------------------------------------------===//
// Secrets
//===----------------------------------------------------------------------===//

static std::string toHex(llvm::ArrayRef<uint8_t> Bytes) {
  return llvm::toHex(Bytes, /*LowerCase=*/true);
}

std::string ir::sha256Digest(llvm::StringRef Data) {
  std::array<uint8_t, 32> H = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(Data.bytes_begin(), Data.bytes_end()));
  return "sha256:" + toHex(H);
}

std::string ir::hmacSha256Hex(llvm::StringRef Key, llvm::StringRef Message) {
  constexpr size_t Block = 64;
  std::string K = Key.str();
  if (K.size() > Block) {
    std::array<uint8_t, 32> H = llvm::SHA256::hash(
        llvm::ArrayRef<uint8_t>(Key.bytes_begin(), Key.bytes_end()));
    K.assign(H.begin(), H.end());
  }
  K.resize(Block, '\0');
  std::string IPad(Block, '\0'), OPad(Block, '\0');
  for (size_t I = 0; I < Block; ++I) {
    IPad[I] = static_cast<char>(K[I] ^ 0x36);
    OPad[I] = static_cast<char>(K[I] ^ 0x5c);
  }
  llvm::SHA256 Inner;
  Inner.update(IPad);
  Inner.update(Message);
  std::array<uint8_t, 32> InnerHash = Inner.final();
  llvm::SHA256 Outer;
  Outer.update(OPad);
  Outer.update(llvm::ArrayRef<uint8_t>(InnerHash));
  return toHex(Outer.final());
}

SecretKey SecretKey::fromBytes(llvm::StringRef Bytes) {
  SecretKey K;
  K.Bytes = Bytes.str();
  // The id is a fingerprint of the key, not the key: a domain-separated HMAC
  // so it cannot be confused with a secret's digest.
  K.Id = "key:" + hmacSha256Hex(Bytes, "overlord-plan-key-id").substr(0, 16);
  return K;
}

SecretKey SecretKey::ephemeral() {
  std::random_device RD;
  std::string Bytes;
  for (int I = 0; I < 8; ++I) {
    uint32_t V = RD();
    Bytes.append(reinterpret_cast<const char *>(&V), sizeof(V));
  }
  SecretKey K;
  K.Bytes = Bytes;
  K.Ephemeral = true;
  K.Id = "ephemeral:" +
         hmacSha256Hex(Bytes, "overlord-plan-key-id").substr(0, 16);
  return K;
}

SecretKey SecretKey::fromEnvironment() {
  if (const char *V = std::getenv("OVERLORD_PLAN_KEY"); V && *V)
    return fromBytes(V);
  return ephemeral();
}

std::optional<SecretKey> SecretKey::fromFile(llvm::StringRef Path,
                                             std::string &Error) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B =
      llvm::MemoryBuffer::getFile(Path);
  if (!B) {
    Error = B.getError().message();
    return std::nullopt;
  }
  if ((*B)->getBufferSize() == 0) {
    Error = "the key file is empty";
    return std::nullopt;
  }
  return fromBytes((*B)->getBuffer());
}

std::string SecretKey::seal(llvm::StringRef Value) const {
  return "secret:hmac-sha256:" + hmacSha256Hex(Bytes, Value);
}

//===----------------------------------------------------------------------===//
// Builder and canonical order
//===----------------------------------------------------------------------===//

PlanBuilder::PlanBuilder(SecretKey K) : Key(std::move(K)) {
  P.Header.Version = PlanFormatVersion;
  P.Header.SecretKeyId = Key.id();
}

void PlanBuilder::setCompiler(llvm::StringRef Compiler) {
  P.Header.Compiler = Compiler.str();
}

void PlanBuilder::addSource(llvm::StringRef Path, llvm::StringRef Contents) {
  P.Header.Sources.push_back({Path.str(), sha256Digest(Contents)});
}

void PlanBuilder::addSourceDigest(llvm::StringRef Name,
                                  llvm::StringRef Digest) {
  P.Header.Sources.push_back({Name.str(), Digest.str()});
}

void PlanBuilder::setClusterDigest(llvm::StringRef Digest) {
  P.Header.Cluster = Digest.str();
}

TargetOp &PlanBuilder::target(llvm::StringRef Route, TargetID *ID) {
  for (size_t I = 0; I < P.Targets.size(); ++I)
    if (P.Targets[I].Symbol == Route) {
      if (ID)
        *ID = static_cast<TargetID>(I);
      return P.Targets[I];
    }
  P.Targets.emplace_back();
  P.Targets.back().Symbol = Route.str();
  P.Targets.back().Datacenter = datacenterOf(Route).str();
  P.TargetOps.emplace_back();
  if (ID)
    *ID = static_cast<TargetID>(P.Targets.size() - 1);
  return P.Targets.back();
}

Plan PlanBuilder::finish() {
  canonicalize(P);
  return std::move(P);
}

void ir::canonicalize(Plan &P) {
  std::stable_sort(P.Header.Sources.begin(), P.Header.Sources.end(),
                   [](const SourceDigest &A, const SourceDigest &B) {
                     return std::tie(A.Path, A.Digest) <
                            std::tie(B.Path, B.Digest);
                   });
  std::vector<size_t> Order(P.Targets.size());
  for (size_t I = 0; I < Order.size(); ++I)
    Order[I] = I;
  std::stable_sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    return P.Targets[A].Symbol < P.Targets[B].Symbol;
  });
  std::vector<TargetOp> Targets;
  std::vector<std::vector<OpRef>> Bodies;
  for (size_t Old : Order) {
    Targets.push_back(std::move(P.Targets[Old]));
    Bodies.push_back(std::move(P.TargetOps[Old]));
  }
  P.Targets = std::move(Targets);
  P.TargetOps = std::move(Bodies);
  for (TargetID T = 0; T < P.TargetOps.size(); ++T) {
    std::vector<OpRef> &Ops = P.TargetOps[T];
    for (OpRef R : Ops)
      visitOp(P, R, [&](auto &Op) { Op.Target = T; });
    std::stable_sort(Ops.begin(), Ops.end(), [&](OpRef A, OpRef B) {
      return opOrderLess(A.Kind, P.base(A).Symbol, B.Kind, P.base(B).Symbol);
    });
  }
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

static const char SizeUnits[] = "BKMGTPE";

std::string ir::formatSize(uint64_t Bytes) {
  unsigned U = 0;
  while (Bytes != 0 && U + 1 < sizeof(SizeUnits) - 1 && Bytes % 1024 == 0) {
    Bytes /= 1024;
    ++U;
  }
  return std::to_string(Bytes) + SizeUnits[U];
}

std::optional<uint64_t> ir::parseSize(llvm::StringRef Text) {
  size_t Digits = 0;
  while (Digits < Text.size() && llvm::isDigit(Text[Digits]))
    ++Digits;
  if (Digits == 0 || Digits > 20)
    return std::nullopt;
  llvm::StringRef Unit = Text.drop_front(Digits);
  unsigned Shift = 0;
  if (!Unit.empty()) {
    const char *P = Unit.size() == 1 ? std::strchr(SizeUnits, Unit[0]) : nullptr;
    if (!P || !*P)
      return std::nullopt;
    Shift = 10 * static_cast<unsigned>(P - SizeUnits);
  }
  uint64_t N = 0;
  if (Text.take_front(Digits).getAsInteger(10, N))
    return std::nullopt;
  if (Shift && N > (UINT64_MAX >> Shift))
    return std::nullopt;
  return N << Shift;
}

void ir::printQuoted(llvm::raw_ostream &OS, llvm::StringRef S) {
  OS << '"';
  for (unsigned char C : S) {
    switch (C) {
    case '"': OS << "\\\""; break;
    case '\\': OS << "\\\\"; break;
    case '\n': OS << "\\n"; break;
    case '\t': OS << "\\t"; break;
    case '\r': OS << "\\r"; break;
    default:
      if (C < 0x20 || C == 0x7f)
        OS << "\\x" << llvm::hexdigit(C >> 4, true) << llvm::hexdigit(C & 15, true);
      else
        OS << C;
    }
  }
  OS << '"';
}

std::string ir::quoted(llvm::StringRef S) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  printQuoted(OS, S);
  return OS.str();
}
