// Fleet labels: a host's cache identity as a node-feature-discovery (NFD)
// local feature file, so a scheduler (Kubernetes, KubeVirt) places and
// migrates VMs only between nodes whose guests would see the same caches.
// The label names and the rules they follow are in docs/fleet-labels.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/identity/identity.h"

namespace armcache::profile::nfd {

struct Label {
  std::string name;   // without a namespace: NFD files it under feature.node.kubernetes.io/
  std::string value;  // a valid Kubernetes label value
};

struct NodeFacts {
  identity::Host host;                  // CPU kinds as host discovery found them
  std::optional<std::string> release;   // uname -r; the kernel generation comes from it
  std::optional<bool> native_cap;       // KVM_CAP_ARM_NATIVE_CACHE_CONFIG; nullopt: no KVM here
};

struct LabelSet {
  std::vector<Label> labels;
  std::vector<std::string> notes;  // why a label is missing; written as # comments
};

// The labels of a node (docs/fleet-labels.md). Never fails: what cannot be
// determined is left out with a note.
LabelSet labels(const NodeFacts& facts);

// "<name>=<value>" lines after "# " comment lines: the features.d format.
std::string features_file(const LabelSet& set, std::string_view header);

// Kubernetes label rules, as docs/fleet-labels.md states them: a name
// segment or a value of at most 63 characters of [A-Za-z0-9._-] that starts
// and ends with a letter or digit (a value may also be empty).
bool valid_label_value(std::string_view v);
bool valid_label_name(std::string_view n);

}  // namespace armcache::profile::nfd
