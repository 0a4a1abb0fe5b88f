import EventLog
let path = CommandLine.arguments[1]
let w = try LogWriter.create(at: path, options: StoreOptions(durability: .always, segmentBytes: 8192))
for i in 0..<50 { try w.append((0..<Int.random(in: 1...5)).map { EventDraft(type: "T\($0 % 2)", payload: Array("hello \(i) \($0)\n".utf8)) }) }
try w.createBranch("exp", at: 20)
try w.append([EventDraft(type: "X", payload: Array("on exp\n".utf8))], to: "exp")
try w.reset("main", to: 10)
try w.append([EventDraft(type: "Y", payload: Array("main after reset\n".utf8))])
try w.undoReset("main")
try w.close()
let s = try LogStore(at: path)
print(try s.branches(), try s.head(of: "main"), try s.head(of: "exp"))
print(try s.events(branch: "exp", from: 18).map { "\($0.sequence) \(String(decoding: $0.payload, as: UTF8.self))" })
let r = StoreVerifier.verify(s); print(r.ok, r.problems, r.records, r.events, r.segments)
let w2 = try LogWriter(at: path); print(w2.recovered)
