#include "onnx_graph.hpp"
#include "onnx_errors.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace convscope::onnx_import {

bool is_default_domain(const std::string& domain) {
    return domain.empty() || domain == "ai.onnx";
}

std::string op_label(const onnx::NodeProto& node) {
    if (is_default_domain(node.domain()))
        return node.op_type();
    return node.domain() + "::" + node.op_type();
}

std::string node_label(const onnx::NodeProto& node, int index) {
    if (!node.name().empty())
        return "node '" + node.name() + "' (" + op_label(node) + ")";
    std::string label = "node #" + std::to_string(index) + " (" + op_label(node);
    if (node.output_size() > 0 && !node.output(0).empty())
        label += ", output '" + node.output(0) + "'";
    return label + ")";
}

std::string node_display_name(const onnx::NodeProto& node, int index) {
    if (!node.name().empty())
        return node.name();
    if (node.output_size() > 0 && !node.output(0).empty())
        return node.output(0);
    std::string name = std::to_string(index);
    return name.insert(0, 1, '#'); // (GCC 12 warns falsely about "#" + std::string)
}

namespace {

// One cycle among `remaining` nodes (each reads an output of another remaining node), as labels.
std::string describe_cycle(const onnx::GraphProto& graph, const std::vector<int>& remaining,
                           const std::unordered_map<std::string, int>& producer) {
    const std::unordered_set<int> left(remaining.begin(), remaining.end());
    // Walk back from any remaining node along inputs produced by remaining nodes until a node
    // repeats: the walk then runs around a cycle. Every remaining node has such an input.
    std::vector<int> path;
    std::unordered_map<int, std::size_t> seen;
    int current = remaining.front();
    while (!seen.count(current)) {
        seen[current] = path.size();
        path.push_back(current);
        int next = -1;
        for (const auto& input : graph.node(current).input()) {
            const auto it = producer.find(input);
            if (it != producer.end() && left.count(it->second)) {
                next = it->second;
                break;
            }
        }
        if (next < 0)
            break; // cannot happen for a node left over by the sort; stop safely
        current = next;
    }
    std::vector<int> cycle(
        path.begin() + static_cast<long>(seen.count(current) ? seen[current] : 0), path.end());
    std::reverse(cycle.begin(), cycle.end());
    std::string text;
    const std::size_t shown = std::min<std::size_t>(cycle.size(), 6);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i)
            text += " → ";
        text += node_label(graph.node(cycle[i]), cycle[i]);
    }
    if (cycle.size() > shown)
        text += " → … (" + std::to_string(cycle.size()) + " nodes)";
    else if (!cycle.empty())
        text += " → back to the first";
    return text;
}

} // namespace

std::vector<int> checked_node_order(const onnx::GraphProto& graph) {
    std::unordered_set<std::string> provided; // initializers and graph inputs
    for (const auto& init : graph.initializer())
        provided.insert(init.name());
    for (const auto& input : graph.input())
        provided.insert(input.name());

    std::unordered_map<std::string, int> producer;
    const int count = graph.node_size();
    for (int i = 0; i < count; ++i) {
        for (const auto& out : graph.node(i).output()) {
            if (out.empty())
                continue; // an optional output left out
            if (provided.count(out))
                throw ModelError(node_label(graph.node(i), i) + " writes '" + out +
                                 "', which is already a graph input or initializer");
            const auto [it, inserted] = producer.emplace(out, i);
            if (!inserted)
                throw ModelError(node_label(graph.node(i), i) + " writes '" + out + "', which " +
                                 node_label(graph.node(it->second), it->second) + " writes too");
        }
    }

    // Dangling inputs, and each node's count of inputs that other nodes compute.
    std::vector<int> waiting(static_cast<std::size_t>(count), 0);
    std::vector<std::vector<int>> readers(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const auto& node = graph.node(i);
        std::unordered_set<int> from;
        for (const auto& input : node.input()) {
            if (input.empty() || provided.count(input))
                continue;
            const auto it = producer.find(input);
            if (it == producer.end())
                throw ModelError(node_label(node, i) + " reads '" + input +
                                 "', which no node, initializer or graph input provides");
            if (from.insert(it->second).second) {
                ++waiting[static_cast<std::size_t>(i)];
                readers[static_cast<std::size_t>(it->second)].push_back(i);
            }
        }
    }
    for (const auto& output : graph.output())
        if (!producer.count(output.name()) && !provided.count(output.name()))
            throw ModelError("graph output '" + output.name() +
                             "' is not computed by any node, nor an input or initializer");

    // Kahn's algorithm, always taking the earliest ready node: a sorted file keeps its order.
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int i = 0; i < count; ++i)
        if (waiting[static_cast<std::size_t>(i)] == 0)
            ready.push(i);
    std::vector<int> order;
    order.reserve(static_cast<std::size_t>(count));
    while (!ready.empty()) {
        const int i = ready.top();
        ready.pop();
        order.push_back(i);
        for (const int reader : readers[static_cast<std::size_t>(i)])
            if (--waiting[static_cast<std::size_t>(reader)] == 0)
                ready.push(reader);
    }
    if (static_cast<int>(order.size()) != count) {
        std::vector<int> remaining;
        for (int i = 0; i < count; ++i)
            if (waiting[static_cast<std::size_t>(i)] > 0)
                remaining.push_back(i);
        throw ModelError("the graph has a cycle: " + describe_cycle(graph, remaining, producer));
    }
    return order;
}

} // namespace convscope::onnx_import
