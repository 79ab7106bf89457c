import CRdKafka

/// Special offsets librdkafka understands in assignments and seeks.
public enum KafkaOffset {
    /// The earliest retained record.
    public static let beginning: Int64 = -2
    /// After the last record.
    public static let end: Int64 = -1
    /// The group's committed offset (or `auto.offset.reset` when there is none).
    public static let stored: Int64 = -1000
}

/// Builds an owned `rd_kafka_topic_partition_list_t`; the caller destroys it.
func makePartitionList(_ entries: [(TopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
    for (tp, offset) in entries {
        let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
        if let offset { element.pointee.offset = offset }
    }
    return list
}

/// Reads the partitions (and offsets) of a C list into Swift values.
func readPartitionList(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(TopicPartition, Int64, rd_kafka_resp_err_t)] {
    (0..<Int(list.pointee.cnt)).map { i in
        let element = list.pointee.elems[i]
        return (TopicPartition(String(cString: element.topic), element.partition), element.offset, element.err)
    }
}
