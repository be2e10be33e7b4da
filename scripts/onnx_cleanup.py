"""Small clean-ups of ONNX graphs written by torch.onnx.export, shared by the model scripts.

Needs the onnx package (Debian 12: apt-get install python3-onnx).
"""

import onnx


def prune_dead_nodes(model):
    """Drops nodes whose outputs nothing reads, and initializers no node reads.

    torch.onnx.export with training=TrainingMode.PRESERVE keeps each BatchNormalization as a node
    but also writes unused Identity nodes on the batch norms' weights; a bundled model should
    not carry them.
    """
    graph = model.graph
    needed = {o.name for o in graph.output}
    kept = []
    for node in reversed(list(graph.node)):
        if any(out in needed for out in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    kept.reverse()
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in kept for name in node.input}
    all_inits = {t.name for t in graph.initializer}
    inits = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    inputs = [i for i in graph.input if i.name in used or i.name not in all_inits]
    del graph.input[:]
    graph.input.extend(inputs)
    return model


def bypass_initializer_identities(model):
    """Nodes read an initializer directly instead of through an Identity node.

    torch.onnx.export stores equal constants once and hands each further user an Identity of
    it (here: the zero means and unit variances of batch norms of the same width). ONNX allows
    one initializer to feed many nodes, so the Identity nodes are noise in a bundled model.
    """
    graph = model.graph
    inits = {t.name for t in graph.initializer}
    alias = {n.output[0]: n.input[0] for n in graph.node
             if n.op_type == "Identity" and n.input[0] in inits}
    outputs = {o.name for o in graph.output}
    for node in graph.node:
        for k, name in enumerate(node.input):
            if name in alias and name not in outputs:
                node.input[k] = alias[name]
    return prune_dead_nodes(model)


def set_metadata(model, props):
    """Replaces the model's metadata_props with `props` (str -> str), in the given order."""
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    return model


def checked(model):
    onnx.checker.check_model(model)
    return model
