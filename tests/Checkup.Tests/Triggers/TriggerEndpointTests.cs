using System.Net;
using System.Text;
using System.Text.Json;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Triggers;

/// <summary>/ProcessImage and /CleanupImages fed the payloads functions-host-contract.md describes, answering what the host accepts.</summary>
public sealed class TriggerEndpointTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task ProcessImage_accepts_the_contracts_binary_example_and_answers_the_hosts_json()
    {
        var id = await _pipeline.UploadImageAsync(Users.New());
        // The contract's example, verbatim but for the image id.
        var payload = """
            {"Data":{"message":"MESSAGE"},
             "Metadata":{"DequeueCount":"1","ExpirationTime":"2026-11-29T10:00:00+00:00",
              "Id":"\"52d53c5f-e212-487e-998b-abbe3b9d51e4\"","InsertionTime":"2026-11-22T10:00:00+00:00",
              "NextVisibleTime":"2026-11-22T10:10:01+00:00","PopReceipt":"\"MThGZWIyMDI1MDM6MDY6MjA3NjM1\"",
              "sys":{"MethodName":"ProcessImage","UtcNow":"2026-11-22T10:00:01.1234567Z","RandGuid":"e59556b5-892a-4465-a19d-4396f0978dab"}}}
            """.Replace("MESSAGE", Convert.ToBase64String(Encoding.UTF8.GetBytes($$"""{"imageId":"{{id}}"}""")), StringComparison.Ordinal);

        var response = await _pipeline.PostProcessImageAsync(payload);

        await AssertHostReplyAsync(response, HttpStatusCode.OK);
        Assert.Equal(ImageStatus.SavedInCloudinary, (await _pipeline.RowAsync(id)).Status);
    }

    [Fact]
    public async Task ProcessImage_accepts_the_double_encoded_string_form_with_properties_copied_into_metadata()
    {
        var id = await _pipeline.UploadImageAsync(Users.New());
        var payload = HostPayloads.QueueDoubleEncoded($$"""{"imageId":"{{id}}","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}""", dequeueCount: 2);

        var response = await _pipeline.PostProcessImageAsync(payload);
        var reply = await AssertHostReplyAsync(response, HttpStatusCode.OK);

        Assert.Contains(reply.GetProperty("Logs").EnumerateArray(), l => l.GetString()!.Contains("delivery 2"));
        var row = await _pipeline.RowAsync(id);
        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        Assert.Contains(row.LogEntries(), e => e.Message.Contains("trace 0af7651916cd43dd8448eb211c80319c"));
    }

    [Fact]
    public async Task ProcessImage_for_an_unknown_image_succeeds_with_nothing_to_do()
    {
        var response = await _pipeline.PostProcessImageAsync(HostPayloads.QueueBinary(Encoding.UTF8.GetBytes(ImagePipeline.MessageFor(Guid.NewGuid()))));

        var reply = await AssertHostReplyAsync(response, HttpStatusCode.OK);
        Assert.Contains("nothing to do", reply.GetProperty("Logs")[0].GetString());
    }

    [Fact]
    public async Task ProcessImage_fails_a_message_that_is_not_an_image_message_so_it_ends_in_the_poison_queue()
    {
        var response = await _pipeline.PostProcessImageAsync(HostPayloads.QueueBinary("hello"u8.ToArray()));

        await AssertHostReplyAsync(response, HttpStatusCode.InternalServerError);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"Data":{}}""")]
    [InlineData("""{"message":"eyJ9"}""")]
    [InlineData("""{"Data":{"message":"%%% not base64 %%%"}}""")]
    public async Task ProcessImage_answers_400_to_a_body_that_is_not_a_host_payload(string body)
    {
        var response = await _pipeline.PostProcessImageAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task CleanupImages_accepts_timer_payloads_with_and_without_schedule_status_and_past_due(bool withScheduleStatus, bool isPastDue)
    {
        var response = await _pipeline.Factory.CreateClient().PostAsync("/CleanupImages",
            new StringContent(HostPayloads.Timer(withScheduleStatus, isPastDue), Encoding.UTF8, "application/json"));

        var reply = await AssertHostReplyAsync(response, HttpStatusCode.OK);
        var logs = reply.GetProperty("Logs").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains(logs, l => l.StartsWith("Image cleanup:", StringComparison.Ordinal));
        Assert.Equal(isPastDue, logs.Any(l => l.Contains("past due")));
    }

    [Fact]
    public async Task CleanupImages_answers_400_without_the_timer_binding()
    {
        var response = await _pipeline.Factory.CreateClient().PostAsync("/CleanupImages",
            new StringContent("""{"Data":{},"Metadata":{}}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>2xx or 500, application/json (not problem+json), a non-empty object with Outputs, Logs and an explicit null ReturnValue.</summary>
    internal static async Task<JsonElement> AssertHostReplyAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        // The body (the function's logs, with the exception's type and message on a failure) says why a status differs.
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var reply = await ImagePipeline.Json(response);
        Assert.Equal(JsonValueKind.Object, reply.GetProperty("Outputs").ValueKind);
        Assert.Empty(reply.GetProperty("Outputs").EnumerateObject());
        Assert.NotEmpty(reply.GetProperty("Logs").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("ReturnValue").ValueKind);
        return reply;
    }
}
