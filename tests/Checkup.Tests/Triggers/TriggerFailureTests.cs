using System.Net;
using System.Text;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Triggers;

public sealed class TriggerFailureTests
{
    [Fact]
    public async Task Triggers_answer_500_when_the_database_is_down_so_the_host_retries()
    {
        var deadServer = $"Host=127.0.0.1;Port={TestEnvironment.UnusedPort()};Username=postgres;Database=checkup;Timeout=2";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = deadServer });
        var client = factory.CreateClient();

        var process = await client.PostAsync("/ProcessImage", new StringContent(
            HostPayloads.QueueBinary(Encoding.UTF8.GetBytes(ImagePipeline.MessageFor(Guid.NewGuid()))), Encoding.UTF8, "application/json"));
        var cleanup = await client.PostAsync("/CleanupImages", new StringContent(
            HostPayloads.Timer(withScheduleStatus: false, isPastDue: false), Encoding.UTF8, "application/json"));

        await TriggerEndpointTests.AssertHostReplyAsync(process, HttpStatusCode.InternalServerError);
        await TriggerEndpointTests.AssertHostReplyAsync(cleanup, HttpStatusCode.InternalServerError);
    }
}
