using System.Net;
using System.Text;
using Checkup.Core.Admin;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using CsvHelper;
using CsvWriter = Checkup.Core.Admin.CsvWriter;
using static Checkup.Tests.Admin.AdminClient;

namespace Checkup.Tests.Admin;

public sealed class CsvExportTests(AdminApp app) : IClassFixture<AdminApp>
{
    private readonly AdminData _data = app.Data;

    /// <summary>Text a spreadsheet or a naive CSV writer would get wrong.</summary>
    private static readonly string[] Awkward =
    [
        "He said \"hello\", then left",
        "line one\r\nline two\nline three\rend",
        "Проект «Альфа» — дизайн, вёрстка",
        "=HYPERLINK(\"http://evil.test\",\"click\")",
        "+SUM(A1:A9)",
        "-2+3",
        "@cmd",
        "\tstarts with a tab",
        "\rstarts with a carriage return",
        "ends with a comma,",
        "\"",
        "emoji 🎨 and a trailing space ",
        "a=1 is fine in the middle",
    ];

    [Fact]
    public async Task Csv_parsed_back_by_a_csv_parser_equals_the_data_with_quotes_newlines_cyrillic_and_neutralised_formulas()
    {
        var w = TimeWindows.New();
        var expected = new List<string?[]>();
        for (var i = 0; i < Awkward.Length; i++)
        {
            var author = i == 3 ? "-author-" + Guid.NewGuid() : Users.New("автор"); // a formula-like author id too
            var image = await _data.ImageAsync(author, i % 2 == 0 ? "saved-cld" : "cld-upload-failure");
            var status = i % 3 == 0 ? "submitted" : "draft";
            var created = w.AddMinutes(i).AddTicks(i * 10);
            var slots = new[]
            {
                new Slot(Awkward[i], Awkward[(i + 1) % Awkward.Length], Awkward[(i + 2) % Awkward.Length], image),
                new Slot(null, "", "only a description", null),
                new Slot("Третий", "Роль", null, null),
            };
            var id = await _data.SubmissionAsync(author, status, created, status == "submitted" ? created.AddHours(1) : null, slots);
            var url = i % 2 == 0 ? $"https://res.cloudinary.com/{CloudinaryStandIn.CloudName}/image/upload/v1/checkup/{image}" : null;
            expected.Add([
                id.ToString(), author, status, "1", Iso(created), Iso(status == "submitted" ? created.AddHours(1) : created), status == "submitted" ? Iso(created.AddHours(1)) : null,
                slots[0].Name, slots[0].Role, slots[0].Description, image.ToString(), i % 2 == 0 ? "saved-cld" : "cld-upload-failure", url,
                null, "", "only a description", null, null, null,
                "Третий", "Роль", null, null, null, null,
            ]);
        }

        var response = await app.Admin().GetAsync($"/api/admin/submissions.csv?createdFrom={Iso(w)}&createdTo={Iso(w.AddDays(1))}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var (header, rows) = Parse(bytes);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SubmissionCsv.Header, header);
        Assert.Equal(expected.Count, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            Assert.Equal(expected[r].Select(Neutralised), rows[r]);
        }

        // The neutralised cells, spelled out: a leading ' and nothing else changed.
        var names = rows.Select(r => r[7]).ToList();
        Assert.Contains("'=HYPERLINK(\"http://evil.test\",\"click\")", names);
        Assert.Contains("'+SUM(A1:A9)", names);
        Assert.Contains("'-2+3", names);
        Assert.Contains("'@cmd", names);
        Assert.Contains("'\tstarts with a tab", names);
        Assert.Contains("'\rstarts with a carriage return", names);
        Assert.Contains("Проект «Альфа» — дизайн, вёрстка", names);
        Assert.Contains("a=1 is fine in the middle", names);
        Assert.StartsWith("'-author-", rows[3][1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_is_utf8_with_a_bom_crlf_lines_and_an_attachment_named_csv()
    {
        var w = TimeWindows.New();
        await _data.SubmissionAsync(Users.New(), "draft", w, null, new Slot("Ёлка", null, null, null));

        var response = await app.Admin().GetAsync($"/api/admin/submissions.csv?createdFrom={Iso(w)}&createdTo={Iso(w.AddDays(1))}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes.AsSpan(3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes.Take(3));
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Matches(@"^checkup-submissions-\d{8}-\d{6}\.csv$", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.StartsWith("submission_id,author_id,status,", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(",Ёлка,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_takes_the_listings_filters_and_an_empty_result_is_the_header_alone()
    {
        var w = TimeWindows.New();
        var draft = await _data.SubmissionAsync(Users.New(), "draft", w.AddHours(1));
        var submitted = await _data.SubmissionAsync(Users.New(), "submitted", w.AddHours(2), w.AddHours(3));
        var admin = app.Admin();
        var window = $"createdFrom={Iso(w)}&createdTo={Iso(w.AddDays(1))}";

        async Task<List<string>> Ids(string query)
        {
            var response = await admin.GetAsync("/api/admin/submissions.csv?" + query);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Parse(await response.Content.ReadAsByteArrayAsync()).Rows.Select(r => r[0]!).ToList();
        }

        Assert.Equal([draft.ToString(), submitted.ToString()], await Ids(window));
        Assert.Equal([submitted.ToString()], await Ids("status=submitted&" + window));
        Assert.Equal([submitted.ToString()], await Ids($"submittedFrom={Iso(w)}&submittedTo={Iso(w.AddHours(4))}"));
        Assert.Empty(await Ids($"createdFrom={Iso(w.AddDays(2))}&createdTo={Iso(w.AddDays(3))}"));
    }

    [Theory]
    [InlineData("status=archived", "status")]
    [InlineData("createdTo=soon", "createdTo")]
    [InlineData("submittedFrom=2026-03-02&submittedTo=2026-03-01", "submittedTo")]
    public async Task Csv_with_a_malformed_filter_gets_400_problem_json_not_a_file(string query, string parameter)
    {
        var response = await app.Admin().GetAsync("/api/admin/submissions.csv?" + query);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _));
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    [Fact]
    public async Task The_writer_quotes_only_what_rfc_4180_needs_and_neutralises_formula_starts()
    {
        var text = new StringWriter();
        await new CsvWriter(text).WriteRowAsync(["plain", "a,b", "say \"hi\"", "two\nlines", "=1+1", "-5", "", null, " space "], CancellationToken.None);

        Assert.Equal("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=1+1,'-5,,, space \r\n", text.ToString());
    }

    /// <summary>
    /// Spreadsheets skip blanks and invisible characters before a formula sign, and read fullwidth signs and a pipe (DDE)
    /// as formulas too. Issue 20, item 11: these went out as they were.
    /// </summary>
    [Theory]
    [InlineData(" =1+1")]
    [InlineData("   +SUM(A1:A9)")]
    [InlineData("\u00A0=HYPERLINK(\"http://evil.test\")")]
    [InlineData("\uFF1D1+1")]
    [InlineData("\uFF0B1")]
    [InlineData("\uFF0D1")]
    [InlineData("\uFF20cmd")]
    [InlineData("\u200B=1+1")]
    [InlineData("\uFEFF=1+1")]
    [InlineData("\n=1+1")]
    [InlineData("\r\n@cmd")]
    [InlineData("\t -1")]
    [InlineData("|calc")]
    [InlineData("cmd|' /C calc'!A0")]
    [InlineData(" \u00A0\u200B\uFEFF\t|x")]
    public void A_formula_behind_blanks_invisible_characters_or_line_breaks_or_in_fullwidth_signs_or_with_a_pipe_is_neutralised(string value)
    {
        var row = new System.Text.StringBuilder();
        CsvWriter.AppendCell(row, value);
        var cell = row.ToString();

        Assert.True(CsvWriter.LooksLikeAFormula(value));
        var unquoted = cell.StartsWith('"') ? cell[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : cell;
        Assert.Equal("'" + value, unquoted);
    }

    [Theory]
    [InlineData("a=1 is fine in the middle")]
    [InlineData("plain text")]
    [InlineData(" leading space only")]
    [InlineData("\u00A0no formula")]
    [InlineData("1-2")]
    public void Text_that_only_contains_formula_signs_later_is_left_as_it_is(string value)
    {
        Assert.False(CsvWriter.LooksLikeAFormula(value));
    }

    [Fact]
    public async Task A_cell_with_a_semicolon_is_quoted_for_spreadsheets_that_separate_with_semicolons()
    {
        var text = new StringWriter();
        await new CsvWriter(text).WriteRowAsync(["a;b", "plain", "x; =1+1"], CancellationToken.None);

        Assert.Equal("\"a;b\",plain,\"x; =1+1\"\r\n", text.ToString());
    }

    /// <summary>What a spreadsheet shows for a value: the export's leading ' before a formula-like start.</summary>
    private static string? Neutralised(string? value) => value switch
    {
        null => "",
        _ when CsvWriter.LooksLikeAFormula(value) => "'" + value,
        _ => value,
    };

    /// <summary>Parses with CsvHelper in strict RFC 4180 mode (malformed quoting throws), after checking the UTF-8 BOM.</summary>
    private static (string[] Header, List<string?[]> Rows) Parse(byte[] bytes)
    {
        Assert.True(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, "no UTF-8 byte order mark");
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            Mode = CsvMode.Rfc4180,
            HasHeader = true,
            TrimWhitespace = false,
            SkipEmptyLines = false,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var reader = CsvReader.Create(bytes.AsMemory(3), options);
        var rows = new List<string?[]>();
        while (reader.Read())
        {
            rows.Add(reader.Current.ToArray());
        }

        return (reader.Headers.ToArray(), rows);
    }
}
