import Models

/// A task's items in three parts, for training something on the task (a Transformer² expert):
/// it learns from `training`, picks its best checkpoint on `validation`, and is scored on `test`
/// only. Each item's part comes from a seeded hash of its prompt, as `TaskGenerators.split`'s
/// does, so an item never changes part when the list around it changes, and two items with the
/// same prompt always share one.
public struct TaskSplits: Sendable, Equatable {
    public var training: [TaskItem] = []
    public var validation: [TaskItem] = []
    public var test: [TaskItem] = []

    /// The shares of training and validation (the rest is test): 60%, 20% and 20%.
    public static let trainingShare = 0.6, validationShare = 0.2

    public init(_ items: [TaskItem], seed: UInt64) {
        for item in items {
            var hash = RandomSource(seed: seed ^ TaskGenerators.fnv1a(item.prompt) ^ 0x5452_414e_5346_4f52)
            let u = hash.unit()
            if u < Self.trainingShare {
                training.append(item)
            } else if u < Self.trainingShare + Self.validationShare {
                validation.append(item)
            } else {
                test.append(item)
            }
        }
    }

    /// The part named "training", "validation" or "test"; nil for another name.
    public func part(_ name: String) -> [TaskItem]? {
        switch name {
        case "training": training
        case "validation": validation
        case "test": test
        default: nil
        }
    }
}
