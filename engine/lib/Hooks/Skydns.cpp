//===- Skydns.cpp - The overlord.skydns* labels -----------------*- C++ -*-===//
//
// SkyDNS records for CoreDNS's etcd plugin (overlord-behaviour.md §8.2): an
// A/AAAA record per (zone, group, server id), optionally a PTR record for
// the address and an SRV record, stored as Python-json.dumps text under
// `skydns.path`. Differences from the reference, all fixes: every label is
// validated before anything is written (no half-written record sets); the
// root zone gives targets "<group>" instead of "<group>.."; the SRV key is
// lower-cased on delete too; on destroy an address that cannot be found
// skips the PTR delete (with a note) instead of raising; numbers are range
// checked.
//
//===----------------------------------------------------------------------===//
#include "Integrations.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

#include <arpa/inet.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::hooks;

namespace {

/// The labels of a zone, most significant last ("example.org." ->
/// {example, org}); the root "." (and "") gives none. nullopt when a label
/// is empty or longer than 63 bytes.
std::optional<std::vector<std::string>> zoneLabels(llvm::StringRef Zone) {
  std::vector<std::string> Out;
  if (Zone == "." || Zone.empty())
    return Out;
  if (Zone.endswith("."))
    Zone = Zone.drop_back();
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Zone.split(Parts, '.');
  for (llvm::StringRef P : Parts) {
    if (P.empty() || P.size() > 63)
      return std::nullopt;
    Out.push_back(P.str());
  }
  return Out;
}

/// "/org/example" for "example.org.", "" for the root.
std::string zonePath(llvm::StringRef Zone) {
  std::vector<std::string> L =
      zoneLabels(Zone).value_or(std::vector<std::string>{});
  std::string Out;
  for (auto It = L.rbegin(); It != L.rend(); ++It)
    Out += "/" + *It;
  return Out;
}

/// "<Prefix>.example.org", or "<Prefix>" in the root zone.
std::string inZone(llvm::StringRef Prefix, llvm::StringRef Zone) {
  std::vector<std::string> L =
      zoneLabels(Zone).value_or(std::vector<std::string>{});
  std::string Out = Prefix.str();
  for (const std::string &S : L)
    Out += "." + S;
  return Out;
}

/// The reference's group rule: `^[a-zA-Z_-][a-zA-Z\d_-]+$`.
bool validGroup(llvm::StringRef G) {
  auto Ok = [](char C) { return llvm::isAlpha(C) || C == '_' || C == '-'; };
  return G.size() >= 2 && Ok(G.front()) &&
         llvm::all_of(G.drop_front(),
                      [&](char C) { return Ok(C) || llvm::isDigit(C); });
}

/// SRV protocol and service names become key segments ("_tcp"): letters,
/// digits, '-' and '_' only (the reference does not check them).
bool validSrvName(llvm::StringRef S) {
  return !S.empty() && S.size() <= 63 && llvm::all_of(S, [](char C) {
    return llvm::isAlnum(C) || C == '-' || C == '_';
  });
}

std::string pyBool(std::optional<bool> B) {
  return !B ? "None" : *B ? "True" : "False";
}

} // namespace

std::string engine::skydnsAddressKey(llvm::StringRef Path, llvm::StringRef Zone,
                                     llvm::StringRef Group,
                                     llvm::StringRef ServerId) {
  return (Path + zonePath(Zone) + "/" + Group.lower() + "/" + ServerId + "/")
      .str();
}

std::optional<std::string> engine::skydnsPtrKey(llvm::StringRef Path,
                                                llvm::StringRef Ip) {
  std::string S = Ip.str();
  unsigned char B[16];
  if (inet_pton(AF_INET, S.c_str(), B) == 1)
    return (Path + "/arpa/in-addr/" + llvm::Twine(unsigned(B[0])) + "/" +
            llvm::Twine(unsigned(B[1])) + "/" + llvm::Twine(unsigned(B[2])) +
            "/" + llvm::Twine(unsigned(B[3])))
        .str();
  if (inet_pton(AF_INET6, S.c_str(), B) != 1)
    return std::nullopt;
  std::string Out = (Path + "/arpa/ip6").str();
  for (unsigned char C : B) {
    Out += "/";
    Out.push_back(llvm::hexdigit(C >> 4, /*LowerCase=*/true));
    Out += "/";
    Out.push_back(llvm::hexdigit(C & 15, /*LowerCase=*/true));
  }
  return Out;
}

std::string engine::skydnsSrvKey(llvm::StringRef Path, llvm::StringRef Zone,
                                 llvm::StringRef Group, llvm::StringRef Proto,
                                 llvm::StringRef Service,
                                 llvm::StringRef ServerId) {
  return (Path + zonePath(Zone) + "/" + Group.lower() + "/_" + Proto + "/_" +
          Service + "/" + ServerId + "/")
      .str();
}

HookOutcome HookRunner::runSkydns(llvm::StringRef Project,
                                  llvm::StringRef Service,
                                  const LabelMap &Labels, HookMode Mode) {
  auto Get = [&](llvm::StringRef K) { return labelValue(Labels, K); };
  std::string Ctx = hookContext(Project, Service);
  auto Fail = [&](const llvm::Twine &Rest) {
    return HookOutcome{true, (Ctx + Rest).str()};
  };
  bool Create = Mode == HookMode::Create;

  if (!Get("overlord.skydns"))
    return {};
  std::optional<std::string> Group = Get("overlord.skydns.group");
  if (!Group)
    return Fail(", label:overlord.skydns.group) group has not been "
                "specified, but is required.");
  std::optional<std::string> Iface = Get("overlord.skydns.interface");
  if (!Iface)
    return Fail(", label:overlord.skydns.interface) interface has not been "
                "specified, but is required.");
  std::optional<std::string> Network = Get("overlord.skydns.interface.address");
  std::optional<std::string> Address;
  std::string AddressNote;
  llvm::Expected<std::optional<std::string>> Found = interfaceAddress(
      *Iface,
      Network ? std::optional<llvm::StringRef>(*Network) : std::nullopt);
  if (!Found) {
    std::string Type = "Error", Msg;
    llvm::handleAllErrors(
        Found.takeError(),
        [&](const InterfaceError &E) {
          Type = E.type().str();
          Msg = E.detail().str();
        },
        [&](const llvm::ErrorInfoBase &E) { Msg = E.message(); });
    if (Create)
      return Fail(", label:overlord.skydns.interface.address exception:" +
                  Type + ") " + Msg);
    AddressNote = " (" + Msg + ")";
  } else {
    Address = *Found;
  }
  if (!Address && Create)
    return Fail(", interface:" + *Iface +
                ", address:" + Network.value_or("None") +
                ", label:overlord.skydns.interface.address) no IP address "
                "has been found.");
  std::optional<int64_t> Ttl =
      parsePyInt(Get("overlord.skydns.ttl").value_or("60"));
  if (!Ttl || *Ttl < 0 || *Ttl > INT32_MAX)
    return Fail(", label:overlord.skydns.ttl) invalid TTL.");
  if (!validGroup(*Group))
    return HookOutcome{true, "Exception InvalidSpec: " + *Group +
                                 ": invalid group name."};
  std::string G = llvm::StringRef(*Group).lower();

  bool UsePtr = Get("overlord.skydns.ptr").has_value();
  bool UseSrv = Get("overlord.skydns.srv").has_value();
  std::string Proto, SrvService;
  int64_t Port = 0, Priority = 10, Weight = 100, SrvTtl = 60;
  if (UseSrv) {
    std::optional<std::string> P = Get("overlord.skydns.srv.port");
    if (!P)
      return Fail(", label:overlord.skydns.srv.port) port has not been "
                  "specified, but is required.");
    std::optional<int64_t> PV = parsePyInt(*P);
    if (!PV || *PV < 0 || *PV > 65535)
      return Fail(", port:" + *P +
                  ", label:overlord.skydns.srv.port) invalid port.");
    Port = *PV;
    std::optional<std::string> Pr = Get("overlord.skydns.srv.proto");
    if (!Pr)
      return Fail(", label:overlord.skydns.srv.proto) protocol has not been "
                  "specified, but is required.");
    Proto = *Pr;
    if (!validSrvName(Proto))
      return Fail(", proto:" + Proto +
                  ", label:overlord.skydns.srv.proto) invalid protocol.");
    std::optional<std::string> Sv = Get("overlord.skydns.srv.service");
    if (!Sv)
      return Fail(", label:overlord.skydns.srv.service) service has not been "
                  "specified, but is required.");
    SrvService = *Sv;
    if (!validSrvName(SrvService))
      return Fail(", srv_service:" + SrvService +
                  ", label:overlord.skydns.srv.service) invalid service.");
    struct NumLabel {
      const char *Name, *Field, *What;
      int64_t *Out;
      int64_t Max;
    } Nums[] = {
        {"priority", "priority", "invalid priority.", &Priority, 65535},
        {"weight", "weight", "invalid weight.", &Weight, 65535},
        {"ttl", "ttl", "invalid TTL.", &SrvTtl, INT32_MAX},
    };
    for (const NumLabel &N : Nums) {
      std::string Label = std::string("overlord.skydns.srv.") + N.Name;
      std::optional<std::string> Raw = Get(Label);
      if (!Raw)
        continue;
      std::optional<int64_t> V = parsePyInt(*Raw);
      if (!V || *V < 0 || *V > N.Max)
        return Fail(", " + llvm::Twine(N.Field) + ":" + *Raw +
                    ", label:" + Label + ") " + N.What);
      *N.Out = *V;
    }
  }

  const std::string &Zone = Cfg.SkydnsZone;
  if (!zoneLabels(Zone))
    return Fail(") skydns.zone '" + Zone + "' is not a domain name.");
  llvm::Expected<std::string> Id = readOrCreateServerId(Cfg.ServerId);
  if (!Id)
    return Fail(") cannot get the server id: " +
                llvm::toString(Id.takeError()));

  hooks::EtcdClient &Etcd = State->Etcd;
  const std::string &Path = Cfg.SkydnsPath;
  std::optional<bool> RecAddress, RecPtr, RecSrv;
  std::string Note;
  auto Apply = [&](llvm::StringRef Record, const std::string &Key,
                   const std::string &Value,
                   std::optional<bool> &Out) -> std::optional<HookOutcome> {
    llvm::Expected<bool> R = Create ? Etcd.put(Key, Value) : Etcd.remove(Key);
    if (!R)
      return Fail(
          ", record:" + Record + ", key:" + Key +
          ") Exception EtcdException: " + llvm::toString(R.takeError()));
    Out = *R;
    return std::nullopt;
  };

  std::string AKey = skydnsAddressKey(Path, Zone, G, *Id);
  std::string AValue = Create ? pyJsonObject({{"host", pyJsonString(*Address)},
                                              {"ttl", std::to_string(*Ttl)},
                                              {"group", pyJsonString(G)}})
                              : "";
  if (auto F = Apply("address", AKey, AValue, RecAddress))
    return *F;
  if (UsePtr) {
    if (Address) {
      std::string PKey = *skydnsPtrKey(Path, *Address);
      std::string PValue =
          Create ? pyJsonObject({{"host", pyJsonString(inZone(G, Zone))},
                                 {"group", pyJsonString(G)}})
                 : "";
      if (auto F = Apply("ptr", PKey, PValue, RecPtr))
        return *F;
    } else {
      Note = " PTR record not removed: no address on interface " + *Iface +
             AddressNote + ".";
    }
  }
  if (UseSrv) {
    std::string SKey = skydnsSrvKey(Path, Zone, G, Proto, SrvService, *Id);
    std::string SValue =
        Create
            ? pyJsonObject({{"host", pyJsonString(inZone(*Id + "." + G, Zone))},
                            {"port", std::to_string(Port)},
                            {"priority", std::to_string(Priority)},
                            {"weight", std::to_string(Weight)},
                            {"ttl", std::to_string(SrvTtl)},
                            {"group", pyJsonString(G)}})
            : "";
    if (auto F = Apply("srv", SKey, SValue, RecSrv))
      return *F;
  }
  return HookOutcome{
      false,
      Ctx + ", records:[address:" + pyBool(RecAddress) +
          ",ptr:" + pyBool(RecPtr) + ",srv:" + pyBool(RecSrv) + "] " +
          (Create ? "records has been updated." : "records has been removed.") +
          Note};
}
