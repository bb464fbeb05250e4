/*
 * gen_dump.c - benchmark helper: writes a text dump of N forms, every form
 * distinct (numbered names and amounts), UTF-8: shaped like the seed
 * (fixtures/seed.txt), or with --2021 like the 2021 framework's form (a
 * year line, fund rows under 项目资金（万元）, 绩效指标 down the table's
 * left, 成本指标 as a first-level category, 分值 and 指标解释).
 *
 * Usage: gen_dump [--2021] N > dump.txt
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes form `i` of the 2021 framework. */
static void form_2021(long i)
{
    printf("项目支出绩效目标表\n（2024年度）\n\n单位：万元\n\n");
    printf("项目名称\t第%ld号项目-社区矫正工作经费\t\t\t\t\t\n", i + 1);
    printf("主管部门\t吴忠市利通区司法局\t\t实施单位\t吴忠市利通区司法局本级\t\t\n");
    printf("项目资金（万元）\t年度资金总额\t%ld.%02ld\t\t\t\t\n", 10 + i % 900, i % 100);
    printf("\t其中：财政拨款\t%ld.%02ld\t\t\t\t\n", 10 + i % 900, i % 100);
    printf("\t其他资金\t0\t\t\t\t\n");
    printf("年度总体目标\t完成社区矫正对象教育帮扶，第%ld批\t\t\t\t\t\n", i + 1);
    printf("绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t分值\t指标解释\n");
    printf("\t产出指标\t数量指标\t矫正对象人数\t≥%ld人\t20\t年度内接收的矫正对象\n",
           1 + i % 90);
    printf("\t\t质量指标\t再犯罪率\t≤1%%\t10\t矫正期内再犯罪的比例\n");
    printf("\t\t时效指标\t报到及时率\t100%%\t10\t按时报到的比例\n");
    printf("\t成本指标\t经济成本指标\t人均矫正成本\t≤%ld元\t10\t年度经费除以人数\n",
           100 + i % 900);
    printf("\t\t社会成本指标\t\t\t\t\n");
    printf("\t效益指标\t社会效益指标\t社会稳定\t有效提升\t20\t定性评价\n");
    printf("\t\t可持续影响指标\t长效机制\t建立\t10\t制度建设情况\n");
    printf("\t满意度指标\t服务对象满意度指标\t群众满意度\t≥90%%\t10\t问卷调查\n");
}

int main(int argc, char **argv)
{
    bool framework = argc == 3 && strcmp(argv[1], "--2021") == 0;
    if (argc != 2 && !framework) {
        fprintf(stderr, "usage: gen_dump [--2021] N\n");
        return 2;
    }
    long n = strtol(argv[argc - 1], NULL, 10);
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    printf("附件 2\n\n");
    for (long i = 0; framework && i < n; i++) {
        if (i)
            printf("\n");
        form_2021(i);
    }
    for (long i = 0; !framework && i < n; i++) {
        if (i)
            printf("\n");
        printf("部门项目支出预算绩效目标表\n\n单位：万元\n\n");
        printf("项目名称\t第%ld号项目-司法协理员工资\t\t\n", i + 1);
        printf("主管部门\t吴忠市利通区司法局\t实施单位\t吴忠市利通区司法局本级\n");
        printf("项目属性\t0101-一年期项目\t项目期限\t1 年\n");
        printf("项目主管处室\t04-行政社保股\t项目年度金额\t%ld.%06ld\n", 10 + i % 900,
               (i * 37) % 1000000);
        printf("年度总体绩效目标\t保障基层服务人员工资按时发放，第%ld批\t\t\n", i + 1);
        printf("一级指标\t二级指标\t三级指标\t绩效值\n");
        printf("1-产出指标\t11-数量指标\t司法协理员人数\t%ld 人\n", 1 + i % 90);
        printf("\t12-质量指标\t资金支付率\t100%%\n");
        printf("\t13-时效指标\t完成时间\t2024 年\n");
        printf("\t14-成本指标\t司法协理员工资成本\t%ld 万元\n", 10 + i % 900);
        printf("2-效益指标\t21-经济效益\t\t\n");
        printf("\t22-社会效益\t维护社会稳定和谐发展\t良好\n");
        printf("\t23-生态效益\t\t\n");
        printf("\t24-可持续影响\t促进法治社会和谐发展\t良好\n");
        printf("3-满意度指标\t31-服务对象满意度\t司法协理员满意度\t大于等于 90%%\n");
        printf("\t\t群众满意度\t90%%以上\n");
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
