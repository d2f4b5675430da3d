"""The layers of oxutils/src: builds the module graph from `crate::` and `super::` paths, fails on any
import cycle (between top-level modules or between files) and on an import a layer must not make.

Usage: python3 .ci/module_cycles.py [oxutils/src] [-v]   (-v prints every top-level edge)"""
import os,re,sys,collections
root=sys.argv[1] if len(sys.argv)>1 else 'oxutils/src'
os.chdir(root)
def modpath(p):
    p=p[:-3]
    parts=p.split('/')
    if parts[-1] in ('mod','lib'): parts=parts[:-1]
    return parts
files={}
for r,_,fs in os.walk('.'):
    for f in fs:
        if f.endswith('.rs'):
            p=os.path.join(r,f)[2:]
            files[tuple(modpath(p))]=p
mods=set(files)
def resolve(path):
    # longest prefix that is a module
    for n in range(len(path),0,-1):
        if tuple(path[:n]) in mods: return tuple(path[:n])
    return None
edges=collections.defaultdict(set)
for m,p in files.items():
    src=open(p).read()
    src=re.sub(r'//[^\n]*','',src)
    # expand use crate::{a::b, c::{d}}
    paths=[]
    for mm in re.finditer(r'crate::((?:\w+::)*\w+)',src): paths.append(mm.group(1).split('::'))
    for mm in re.finditer(r'crate::((?:\w+::)*)\{([^;]*?)\};',src,re.S):
        base=mm.group(1).split('::')[:-1]
        for item in re.findall(r'(\w+(?:::\w+)*)',mm.group(2)):
            paths.append(base+item.split('::'))
    # super:: paths
    for mm in re.finditer(r'\bsuper::((?:\w+::)*\w+)',src):
        parent=list(m[:-1]) if not p.endswith('mod.rs') else list(m[:-1])
        paths.append(parent+mm.group(1).split('::'))
    for path in paths:
        t=resolve(path)
        if t and t!=m and not (m[:len(t)]==t):  # ignore edges to own ancestors
            edges[m].add(t)
def cycles(graph):
    index={};low={};stack=[];on=set();out=[];i=[0]
    sys.setrecursionlimit(10000)
    def sc(v):
        index[v]=low[v]=i[0];i[0]+=1;stack.append(v);on.add(v)
        for w in graph.get(v,()):
            if w not in index: sc(w);low[v]=min(low[v],low[w])
            elif w in on: low[v]=min(low[v],index[w])
        if low[v]==index[v]:
            comp=[]
            while True:
                w=stack.pop();on.discard(w);comp.append(w)
                if w==v:break
            if len(comp)>1: out.append(comp)
    for v in list(graph):
        if v not in index: sc(v)
    return out
top=collections.defaultdict(set)
for a,bs in edges.items():
    for b in bs:
        if a[:1]!=b[:1]: top[a[:1]].add(b[:1])
if '-v' in sys.argv:
    for a in sorted(top): print('::'.join(a),'->',', '.join(sorted('::'.join(b) for b in top[a])))
ok=True
for c in cycles(top): ok=False; print('TOP-LEVEL CYCLE:',' '.join('::'.join(x) for x in c))
for c in cycles(edges): ok=False; print('FILE CYCLE:',' '.join('::'.join(x) for x in c))
# What each lower layer may import (README, "Architecture"); the layers above may import any below them.
ALLOWED = {
    'dialect': set(),
    'schema': {'dialect'},
    'ddl': {'dialect', 'schema'},
    'field': {'dialect', 'schema'},
    'conf': set(),
    'storage': {'conf', 'field', 'schema', 'dialect'},
    'db': {'dialect', 'field', 'schema'},
    'model': {'dialect', 'schema', 'field', 'db'},
}
for layer, allowed in ALLOWED.items():
    for target in sorted(top.get((layer,), ())):
        if target[0] not in allowed:
            ok = False
            print(f'LAYER: {layer} must not import {target[0]}')
if not ok:
    sys.exit(1)
print('layers ok: no import cycle in', root)
