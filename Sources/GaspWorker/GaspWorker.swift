import GaspWorkerCommand

/// `gasp-worker`: the site worker on its own, what `gasp worker` runs.
@main
enum GaspWorker {
    static func main() async {
        await WorkerCommand.main()
    }
}
